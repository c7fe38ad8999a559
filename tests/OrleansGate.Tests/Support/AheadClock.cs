namespace OrleansGate.Tests.Support;

/// <summary>
/// The system clock, moved ahead by as much as the test moves it: a lease or a grace is gone past
/// at once instead of waited out, while timers, delays and every other process keep real time.
/// </summary>
public sealed class AheadClock : TimeProvider
{
    private long _aheadTicks;

    public TimeSpan Ahead => TimeSpan.FromTicks(Interlocked.Read(ref _aheadTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _aheadTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Ahead;
}
