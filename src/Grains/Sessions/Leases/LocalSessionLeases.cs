using System.Collections.Concurrent;

namespace OrleansGate.Grains.Sessions.Leases;

/// <summary>
/// The session grains of this process that lend their decision to a proxy beside them
/// (<see cref="ISessionLease"/>). Only code in this process can reach it: a lease is never offered
/// across the network, where a caller goes through Orleans as before.
/// </summary>
public sealed class LocalSessionLeases
{
    private readonly ConcurrentDictionary<string, ISessionLease> _bySession = new(StringComparer.Ordinal);

    /// <summary>The grain of <paramref name="sessionId"/> lends its decision (again, after a reactivation: the newer activation wins).</summary>
    public void Grant(string sessionId, ISessionLease lease) => _bySession[sessionId] = lease;

    /// <summary>The grain's lease ends; a newer activation's lease under the same session stays.</summary>
    public void Revoke(string sessionId, ISessionLease lease) => _bySession.TryRemove(new KeyValuePair<string, ISessionLease>(sessionId, lease));

    /// <summary>The lease of <paramref name="sessionId"/>'s grain, if it lives in this process and lends one.</summary>
    public ISessionLease? Find(string sessionId) => _bySession.GetValueOrDefault(sessionId);
}
