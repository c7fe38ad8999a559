namespace OrleansGate.Grains.Audit.Events;

/// <summary>The client session is over; nothing follows in its stream.</summary>
public sealed record SessionEnded(string SessionId, string Reason, long Statements, DateTimeOffset At)
{
    public int SchemaVersion { get; init; } = 1;
}
