using System.Threading.Channels;
using Marten;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OrleansGate.Grains.Audit;

/// <summary>
/// Appends session events to Marten with group commit: appends from every session of the silo
/// queue up while a transaction is in flight and go into the next one together, and each caller
/// is released when the transaction holding its events has committed. A failed commit fails every
/// append in it (the statements are then refused), and the next batch tries again.
/// </summary>
public sealed partial class MartenAuditLog : IAuditLog, IAsyncDisposable
{
    private sealed record PendingAppend(string SessionId, IReadOnlyList<object> Events, TaskCompletionSource Committed);

    private readonly IDocumentStore _store;
    private readonly AuditStoreOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<PendingAppend> _queue = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public MartenAuditLog(IDocumentStore store, AuditStoreOptions options, ILogger<MartenAuditLog> logger)
    {
        _store = store;
        _options = options;
        _logger = logger;
        _writer = Task.Run(WriteLoopAsync);
    }

    public async Task AppendAsync(string sessionId, IReadOnlyList<object> events, CancellationToken cancellationToken = default)
    {
        var pending = new PendingAppend(sessionId, events, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
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
        var batch = new List<PendingAppend>(_options.MaxBatch);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < _options.MaxBatch && reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            await CommitAsync(batch).ConfigureAwait(false);
        }
    }

    private async Task CommitAsync(List<PendingAppend> batch)
    {
        try
        {
            using var timeout = new CancellationTokenSource(_options.CommitTimeout);
            await using var session = _store.LightweightSession();
            foreach (var group in batch.GroupBy(p => p.SessionId))
            {
                session.Events.Append(group.Key, group.SelectMany(p => p.Events).ToArray());
            }

            await session.SaveChangesAsync(timeout.Token).ConfigureAwait(false);
            foreach (var pending in batch)
            {
                pending.Committed.TrySetResult();
            }
        }
#pragma warning disable CA1031 // Any failure to commit must reach every waiting caller as a refusal, never crash the writer.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogCommitFailed(_logger, batch.Count, e.Message);

            // Pooled connections to a server that went away are dead; open fresh ones for the next
            // batch, so the record works again as soon as the database is back.
            NpgsqlConnection.ClearAllPools();
            var failure = new AuditUnavailableException($"the audit log could not commit: {e.Message}", e);
            foreach (var pending in batch)
            {
                pending.Committed.TrySetException(failure);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit commit of {Count} appends failed: {Reason}")]
    private static partial void LogCommitFailed(ILogger logger, int count, string reason);
}
