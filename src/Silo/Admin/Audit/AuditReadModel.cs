using System.Text.RegularExpressions;
using Marten;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansGate.Grains.Audit;
using OrleansGate.Grains.Audit.Projections;
using OrleansGate.Grains.Audit.Verification;

namespace OrleansGate.Silo.Admin.Audit;

/// <summary>
/// The audit database as the console's history, verification and audit views read it. A store of
/// its own with the projections registered, apart from the audit writer's: the writer's group
/// commit must never wait on a projection (docs/audit-queries.md). Before a read, the projections
/// are caught up to the newest event, as the replay tool's listings do: at most once per
/// <see cref="CatchUpEvery"/> and one catch-up at a time, however many consoles poll.
/// </summary>
public sealed partial class AuditReadModel : IDisposable
{
    /// <summary>How stale a listing may be: the console polls every 2 seconds.</summary>
    public static readonly TimeSpan CatchUpEvery = TimeSpan.FromSeconds(2);

    private readonly DocumentStore _store;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _catchingUp = new(1, 1);
    private DateTimeOffset _caughtUpAt = DateTimeOffset.MinValue;
    private readonly NpgsqlDataSource _dataSource;
    private string? _behind;
    private bool _schemaApplied;

    public AuditReadModel(AuditStoreOptions options, TimeProvider clock, ILogger logger)
    {
        // The schema is part of the SQL the audit views run: only a plain name is accepted.
        Schema = PlainName().IsMatch(options.Schema) ? options.Schema : null;
        _store = AuditStore.Create(options, runsProjections: true);
        Streams = new StoredStreamReader(options.ConnectionString, Schema ?? "invalid");
        _dataSource = NpgsqlDataSource.Create(options.ConnectionString);
        _clock = clock;
        _logger = logger;
    }

    /// <summary>The audit schema, or null when it is not a plain name (the views then refuse to run).</summary>
    public string? Schema { get; }

    /// <summary>The session streams as stored, for verification.</summary>
    public StoredStreamReader Streams { get; }

    /// <summary>
    /// A query session over projections caught up to the newest event (or as current as another
    /// builder left them; <see cref="Behind"/> then says why).
    /// </summary>
    public async Task<IQuerySession> CurrentAsync(CancellationToken cancellationToken)
    {
        await CatchUpAsync(cancellationToken).ConfigureAwait(false);
        return _store.QuerySession();
    }

    /// <summary>A connection to the audit database, for the views that aggregate with SQL (after <see cref="CatchUpAsync"/>).</summary>
    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) => _dataSource.OpenConnectionAsync(cancellationToken);

    /// <summary>Brings the projections up to the newest event, unless that was done less than <see cref="CatchUpEvery"/> ago.</summary>
    public async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        if (_clock.GetUtcNow() - _caughtUpAt >= CatchUpEvery)
        {
            await _catchingUp.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Whoever waited behind a catch-up finds it fresh and reads at once.
                if (_clock.GetUtcNow() - _caughtUpAt >= CatchUpEvery)
                {
                    if (!_schemaApplied)
                    {
                        // The projections' tables, before anything is projected: the views' SQL reads them even when empty.
                        await _store.Storage.ApplyAllConfiguredChangesToDatabaseAsync().ConfigureAwait(false);
                        _schemaApplied = true;
                    }

                    _behind = await ProjectionCatchUp.RunAsync(_store, cancellationToken).ConfigureAwait(false);
                    _caughtUpAt = _clock.GetUtcNow();
                    if (_behind is not null)
                    {
                        LogBehind(_logger, _behind);
                    }
                }
            }
            finally
            {
                _catchingUp.Release();
            }
        }
    }

    /// <summary>Why the projections may be behind the record, after the last catch-up; null when they caught up.</summary>
    public string? Behind => _behind;

    /// <summary>
    /// Runs a read, answering 503 when the audit database cannot be read (the console shows it)
    /// rather than a bare 500; the reason goes to the log.
    /// </summary>
    public async Task<IResult> ReadAsync(Func<Task<IResult>> read)
    {
        if (Schema is null)
        {
            return AdminResults.Error(StatusCodes.Status503ServiceUnavailable, "the audit store's schema is not a plain name: the audit views do not run");
        }

        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or AuditRecordUnreadableException
                                      || e.InnerException is NpgsqlException or TimeoutException)
        {
            // The detail is logged, not returned: a database's message can name hosts and users.
            LogUnreadable(_logger, e.Message.ReplaceLineEndings(" "));
            return AdminResults.Error(StatusCodes.Status503ServiceUnavailable, "the audit database cannot be read (the silo's log says why); try again later");
        }
    }

    public void Dispose()
    {
        _store.Dispose();
        _dataSource.Dispose();
        _catchingUp.Dispose();
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]*$")]
    private static partial Regex PlainName();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit views: {Reason}")]
    private static partial void LogBehind(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit views: the audit database cannot be read: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string reason);
}
