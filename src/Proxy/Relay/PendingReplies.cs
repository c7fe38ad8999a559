using System.Collections.Concurrent;

namespace OrleansGate.Proxy.Relay;

/// <summary>
/// One entry per ReadyForQuery the upstream server owes the client, in order. Every Query, Sync
/// and FunctionCall sent upstream earns exactly one ReadyForQuery (§55.2.2–55.2.3), including the
/// Sync the gateway sends in place of a refused request. A refused request's entry carries the
/// ErrorResponse to put in front of that ReadyForQuery, so the client gets the refusal in the
/// right place among its pipelined replies and with the server's true transaction status.
/// </summary>
internal sealed class PendingReplies
{
    private readonly ConcurrentQueue<byte[]?> _queue = new();

    /// <summary>The request went upstream; relay its ReadyForQuery as it is.</summary>
    public void ExpectForwarded() => _queue.Enqueue(null);

    /// <summary>The request was refused and a Sync went in its place; answer with this error first.</summary>
    public void ExpectRefused(byte[] errorResponse) => _queue.Enqueue(errorResponse);

    /// <summary>Called for each ReadyForQuery from upstream: the error to send before it, if any.</summary>
    public byte[]? NextReadyForQuery() => _queue.TryDequeue(out var error) ? error : null;
}
