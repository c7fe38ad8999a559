namespace OrleansGate.Grains.Sessions.Live;

/// <summary>
/// The clock a gateway judges its proxies' liveness by: the session directory's leases, the
/// sweeper's interval, and the age of heartbeats and idle sessions against the sweeper's grace.
/// </summary>
/// <remarks>
/// The grace is measured by the audit database's <c>now()</c>, so that every gateway sharing that
/// database agrees on it, moved by <see cref="AheadOfSystem"/>: zero with the system clock, which
/// is what a gateway runs with. A test gives its gateway a clock that runs ahead, to go past a lease
/// or a grace at once instead of waiting it out.
/// </remarks>
public sealed class LivenessClock(TimeProvider time)
{
    public DateTimeOffset UtcNow => time.GetUtcNow();

    /// <summary>How far this clock runs ahead of the system clock: added to the audit database's <c>now()</c>.</summary>
    public TimeSpan AheadOfSystem => ReferenceEquals(time, TimeProvider.System) ? TimeSpan.Zero : time.GetUtcNow() - TimeProvider.System.GetUtcNow();
}
