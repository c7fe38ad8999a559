namespace OrleansGate.Grains.Sessions.Live;

/// <summary>
/// The live sessions of the whole gateway (one grain, key 0): the proxies subscribe their
/// <see cref="ILiveSessionHost"/> and renew it periodically (so a restarted silo learns them again
/// within one period, and a dead proxy expires); listing and ending a session ask them.
/// </summary>
public interface ISessionDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Subscribes or renews a proxy that renews every <paramref name="renewEvery"/>; it expires
    /// after <see cref="SessionDirectory.LeaseFor"/> of that without renewal.
    /// </summary>
    Task SubscribeAsync(string proxyId, ILiveSessionHost host, TimeSpan renewEvery);

    Task UnsubscribeAsync(string proxyId);

    /// <summary>The proxies subscribed now (lease not expired): the sweeper counts them as alive.</summary>
    Task<IReadOnlyList<string>> ProxiesAsync();

    /// <summary>Every live session of every proxy that answers in time.</summary>
    Task<IReadOnlyList<LiveSession>> ListAsync();

    /// <summary>Ends a live session wherever it is; false when no proxy holds it.</summary>
    Task<bool> TerminateAsync(string sessionId, string requestedBy);

    /// <summary>Passes a CancelRequest to every live proxy but the one that received it; true when one of them held the session.</summary>
    Task<bool> CancelAsync(string receivedBy, int processId, int secretKey);
}

/// <summary>Timing of the session directory.</summary>
public static class SessionDirectory
{
    /// <summary>How often a proxy renews its subscription unless <c>Cluster:DirectoryRenewal</c> says otherwise.</summary>
    public static readonly TimeSpan DefaultRenewEvery = TimeSpan.FromSeconds(20);

    /// <summary>Bounds of <c>Cluster:DirectoryRenewal</c>: a renewal a second is cheap, one every five minutes leaves a dead proxy listed for a quarter of an hour.</summary>
    public static readonly TimeSpan ShortestRenewEvery = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan LongestRenewEvery = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a subscription lasts without renewal: two renewals may be missed (a silo restart, a
    /// slow network) before the proxy is taken for dead; 65 s for the default renewal.
    /// </summary>
    public static TimeSpan LeaseFor(TimeSpan renewEvery) => 3 * renewEvery + ProxyAnswerTimeout;

    /// <summary>How long the directory waits for one proxy's answer.</summary>
    public static readonly TimeSpan ProxyAnswerTimeout = TimeSpan.FromSeconds(5);
}
