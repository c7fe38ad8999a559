using System.Threading.Channels;
using Marten;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansGate.Grains.Audit.Append;
using OrleansGate.Grains.Audit.Chain;

namespace OrleansGate.Grains.Audit;

/// <summary>
/// Appends session events to Marten with group commit: appends from every session of the silo
/// queue up while a transaction is in flight and go into the next one together, and each caller
/// is released when the transaction holding its events has committed. A failed commit fails every
/// append in it (the statements are then refused), and the next batch tries again.
/// </summary>
/// <remarks>
/// A commit is one statement (<see cref="MultiStreamAppend"/>) on a connection the writer keeps
/// open with the statement prepared: per commit, one round trip and one WAL flush. With
/// <see cref="AuditStoreOptions.Writers"/> above 1, that many commits can be in flight at once,
/// each taking what queued up meanwhile (a session never has two appends in flight: its grain
/// awaits each one).
/// </remarks>
public sealed partial class MartenAuditLog : IAuditLog, IAsyncDisposable
{
    private sealed record PendingAppend(string SessionId, IReadOnlyList<LinkedEvent> Events, TaskCompletionSource Committed);

    private readonly IDocumentStore _store;
    private readonly AuditStoreOptions _options;
    private readonly ILogger _logger;
    // A writer waiting for work takes it on the appending thread: with a leased decision that is the
    // proxy's, which waits for the commit next anyway, so the statement is sent without waking the
    // writer's thread first (one thread hop fewer per statement when the writer is idle).
    private readonly Channel<PendingAppend> _queue = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions
    {
        AllowSynchronousContinuations = true,
    });
    private readonly Telemetry.GatewayMetrics? _metrics;
    private readonly NpgsqlDataSource _dataSource;
    private readonly MultiStreamAppend _append;
    private readonly Task[] _writers;

    public MartenAuditLog(IDocumentStore store, AuditStoreOptions options, ILogger<MartenAuditLog> logger, Telemetry.GatewayMetrics? metrics = null)
    {
        _metrics = metrics;
        metrics?.ObserveAuditQueue(() => _queue.Reader.Count);
        _store = store;
        _options = options;
        _logger = logger;
        _dataSource = NpgsqlDataSource.Create(options.ConnectionString);
        _append = new MultiStreamAppend(store, options.Schema);
        _writers = Enumerable.Range(0, options.Writers).Select(_ => Task.Run(WriteLoopAsync)).ToArray();
    }

    /// <summary>
    /// Whether the audit database can take commits now (readiness): a round trip on a fresh
    /// connection of the writer's pool, within <paramref name="timeout"/>, to a server that is not a
    /// standby (after a failover the address may name one). Null when it can; else why not.
    /// </summary>
    public async Task<string?> ProbeAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(limit.Token).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(
                "SELECT NOT pg_is_in_recovery()", connection);
            return await command.ExecuteScalarAsync(limit.Token).ConfigureAwait(false) is true
                ? null
                : "it is a standby, which takes no commits";
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException or System.Net.Sockets.SocketException)
        {
            return e is OperationCanceledException && !cancellationToken.IsCancellationRequested ? $"no answer within {timeout.TotalSeconds:0} s" : e.Message;
        }
    }

    /// <summary>Checks that Marten's event tables are what the writer writes; run once the schema is applied.</summary>
    public Task VerifyTablesAsync(CancellationToken cancellationToken) => MartenEventTables.VerifyAsync(_dataSource, _options.Schema, cancellationToken);

    public async Task AppendAsync(string sessionId, IReadOnlyList<LinkedEvent> events, CancellationToken cancellationToken = default)
    {
        // Continuations run inline on the writer when it commits: what follows the await below is
        // only the hand-back to the grain's own scheduler (a post), so the writer is not held up,
        // and a thread-pool hop per statement is saved.
        var pending = new PendingAppend(sessionId, events, new TaskCompletionSource());
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new AuditUnavailableException("the audit writer has stopped");
        }

        await pending.Committed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<object>> ReadStreamAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var session = _store.QuerySession();
            var events = await session.Events.FetchStreamAsync(sessionId, token: cancellationToken).ConfigureAwait(false);
            return events.Select(e => e.Data).ToList();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            throw new AuditUnavailableException($"could not read the audit stream: {e.Message}", e);
        }
    }

    private async Task WriteLoopAsync()
    {
        await using var connection = new AppendConnection(_dataSource, _append);
        var batch = new List<PendingAppend>(_options.MaxBatch);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < _options.MaxBatch && reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            // Another writer may have taken everything this one was woken for.
            if (batch.Count > 0)
            {
                await CommitAsync(connection, batch).ConfigureAwait(false);
            }
        }
    }

    private async Task CommitAsync(AppendConnection connection, List<PendingAppend> batch)
    {
        try
        {
            using var timeout = new CancellationTokenSource(_options.CommitTimeout);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            await connection.ExecuteAsync(_append.Values(batch.Select(p => (p.SessionId, p.Events))), timeout.Token).ConfigureAwait(false);
            _metrics?.AuditCommitted(System.Diagnostics.Stopwatch.GetElapsedTime(started), batch.Count);
            Release(batch, null);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && batch.Count > 1)
        {
            // A stream already has an event at one of the positions: a second writer of that
            // session (two activations of its grain). Only that session's append may fail, so the
            // others are committed again one by one (the failed statement changed nothing).
            LogCommitRetriedAlone(_logger, batch.Count, e.ConstraintName ?? e.MessageText);
            foreach (var pending in batch)
            {
                await CommitAsync(connection, [pending]).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // Any failure to commit must reach every waiting caller as a refusal, never crash the writer.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogCommitFailed(_logger, batch.Count, e.Message);

            // The connection may be dead (a server that went away, a commit cut by the timeout);
            // the next batch opens a fresh one, so the record works again as soon as the database is
            // back. Marten's pooled connections (used for reads) are cleared for the same reason.
            await connection.CloseAsync().ConfigureAwait(false);
            NpgsqlConnection.ClearAllPools();
            Release(batch, new AuditUnavailableException($"the audit log could not commit: {e.Message}", e));
        }
    }

    /// <summary>
    /// Tells every append of the batch how its commit went. Their waiters continue inline (the
    /// commit's answer usually arrives on a pool thread: no hop); but a commit that ended without
    /// leaving the thread it started on (a connection that failed at once) may still be inside the
    /// grain turn that woke the writer, and another session's continuation must not run under
    /// that grain's scheduler, so then they are released from the pool.
    /// </summary>
    private static void Release(List<PendingAppend> batch, Exception? failure)
    {
        if (TaskScheduler.Current != TaskScheduler.Default)
        {
            var appends = batch.ToArray();
            ThreadPool.UnsafeQueueUserWorkItem(_ => Complete(appends, failure), null);
            return;
        }

        Complete(batch, failure);
    }

    private static void Complete(IEnumerable<PendingAppend> appends, Exception? failure)
    {
        foreach (var pending in appends)
        {
            if (failure is null)
            {
                pending.Committed.TrySetResult();
            }
            else
            {
                pending.Committed.TrySetException(failure);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_writers).ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit commit of {Count} appends hit an event already written ({Constraint}); committing them one by one")]
    private static partial void LogCommitRetriedAlone(ILogger logger, int count, string constraint);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit commit of {Count} appends failed: {Reason}")]
    private static partial void LogCommitFailed(ILogger logger, int count, string reason);
}
