namespace OrleansGate.Proxy.Approvals;

/// <summary>
/// Carries a client's CancelRequest to its own session while a request of it is held for approval:
/// the statement is not upstream, so cancelling the server would not reach it. Between holds a
/// cancel does nothing here (it still goes to the server as usual).
/// </summary>
internal sealed class ClientCancelSignal
{
    private CancellationTokenSource? _holding;

    /// <summary>A hold begins; the token fires when the client cancels.</summary>
    public CancellationToken Begin()
    {
        var holding = new CancellationTokenSource();
        Interlocked.Exchange(ref _holding, holding)?.Dispose();
        return holding.Token;
    }

    public void End() => Interlocked.Exchange(ref _holding, null)?.Dispose();

    /// <summary>Called from the cancel connection's thread.</summary>
    public void Cancel()
    {
        try
        {
            Volatile.Read(ref _holding)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The hold ended just now.
        }
    }
}
