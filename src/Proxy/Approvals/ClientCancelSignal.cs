namespace OrleansGate.Proxy.Approvals;

/// <summary>
/// Ends a hold early on the client's behalf: its CancelRequest (the statement is not upstream, so
/// cancelling the server would not reach it), or its connection closing — the session reads
/// nothing from the client while a request waits, so the socket is looked at instead. Between
/// holds a cancel does nothing here (it still goes to the server as usual).
/// </summary>
internal sealed class ClientCancelSignal(Func<bool>? clientGone = null)
{
    private static readonly TimeSpan ClientCheck = TimeSpan.FromMilliseconds(500);

    private CancellationTokenSource? _holding;

    /// <summary>Why the last hold was cut short: the client cancelled, or left.</summary>
    public string Reason { get; private set; } = "cancelled by the client";

    /// <summary>A hold begins; the token fires when the client cancels or goes away.</summary>
    public CancellationToken Begin()
    {
        var holding = new CancellationTokenSource();
        Interlocked.Exchange(ref _holding, holding)?.Dispose();
        Reason = "cancelled by the client";
        if (clientGone is not null)
        {
            _ = WatchClientAsync(holding);
        }

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

    private async Task WatchClientAsync(CancellationTokenSource holding)
    {
        try
        {
            while (!holding.IsCancellationRequested)
            {
                await Task.Delay(ClientCheck, holding.Token).ConfigureAwait(false);
                if (clientGone!())
                {
                    Reason = "the client went away";
                    await holding.CancelAsync().ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // The hold ended.
        }
    }
}
