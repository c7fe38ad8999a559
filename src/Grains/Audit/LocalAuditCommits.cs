using System.Collections.Concurrent;

namespace OrleansGate.Grains.Audit;

/// <summary>
/// Where a session grain leaves the commit of a decided batch for a proxy in the same process to
/// wait on. The proxy still forwards nothing before that commit (invariant 1); what it saves is
/// the grain's own wait: the thread-pool hop back onto the grain after the commit, and the
/// Orleans response, which now travels while the commit is in flight. A proxy in another process
/// (cluster mode) names another <see cref="Process"/>, and the grain waits for it as before.
/// </summary>
public sealed class LocalAuditCommits
{
    private readonly ConcurrentDictionary<string, Task> _bySession = new(StringComparer.Ordinal);

    /// <summary>This process, as the proxy names it to the grain.</summary>
    public Guid Process { get; } = Guid.NewGuid();

    /// <summary>
    /// The grain leaves the commit of its session's latest batch. One per session: a grain decides
    /// one batch at a time, and a commit its proxy stopped waiting for is replaced by the next.
    /// </summary>
    public void Leave(string sessionId, Task commit) => _bySession[sessionId] = commit;

    /// <summary>The proxy takes the commit the grain left for this session; null when there is none.</summary>
    public Task? Take(string sessionId) => _bySession.TryRemove(sessionId, out var commit) ? commit : null;

    /// <summary>The session ended: nothing of it is left behind (a grain that is only deactivated leaves its last commit for the proxy to take).</summary>
    public void Forget(string sessionId) => _bySession.TryRemove(sessionId, out _);
}
