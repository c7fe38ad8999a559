namespace OrleansGate.Grains.Sessions.Live;

/// <summary>
/// One proxy process, seen from the silos (a grain observer): it lists the sessions it holds and
/// ends one on request. The sessions themselves never leave the proxy, so nothing goes stale in
/// the cluster when a proxy dies; its observer simply stops answering and expires.
/// </summary>
public interface ILiveSessionHost : IGrainObserver
{
    Task<IReadOnlyList<LiveSession>> ListAsync();

    /// <summary>Ends the session (the client gets FATAL 57P01); false when this proxy does not hold it.</summary>
    Task<bool> TerminateAsync(string sessionId, string requestedBy);

    /// <summary>
    /// A CancelRequest another proxy received for a key it did not issue: cancels this proxy's
    /// session when it issued the key and the secret matches (compared in constant time); false otherwise.
    /// </summary>
    Task<bool> CancelAsync(int processId, int secretKey);
}
