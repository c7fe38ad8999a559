using OrleansGate.Grains.Sessions.Live;

namespace OrleansGate.Grains.Sessions.Sweeping;

/// <summary>
/// The sweeper (<c>OrleansGate:Sweeper</c>): seals, with a "failure:" SessionEnded, the sessions
/// whose proxy died without ending them (docs/audit-integrity.md#crashes).
/// </summary>
public sealed class SweeperOptions
{
    public const string Section = "OrleansGate:Sweeper";

    /// <summary>
    /// False: this gateway seals nothing. It still reports its own proxies as alive (heartbeats),
    /// so another gateway sharing the audit database never takes its sessions for abandoned.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the sweep runs (and the live proxies' heartbeats are written).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a proxy must have shown no sign of life (not subscribed to the session directory,
    /// no heartbeat, no event in the session) before its unsealed sessions are sealed. At least
    /// <see cref="MinimumGrace"/> of <see cref="Interval"/>.
    /// </summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Most sessions sealed in one sweep; the rest wait for the next one.</summary>
    public int MaxPerSweep { get; set; } = 200;

    /// <summary>
    /// A live proxy's heartbeat is at most two intervals old (one missed sweep), plus the time the
    /// proxy takes to subscribe again to a session directory that moved to another silo (it renews
    /// every <paramref name="renewEvery"/>, <c>Cluster:DirectoryRenewal</c>; the directory waits up to
    /// <see cref="SessionDirectory.ProxyAnswerTimeout"/>), plus slack for a slow database. A shorter
    /// grace could take a live proxy for a dead one and seal sessions that are still running.
    /// </summary>
    public static TimeSpan MinimumGrace(TimeSpan interval, TimeSpan renewEvery) =>
        2 * interval + renewEvery + SessionDirectory.ProxyAnswerTimeout + TimeSpan.FromSeconds(5);
}
