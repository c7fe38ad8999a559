using OrleansGate.Grains.Audit.Events;

namespace OrleansGate.Grains.Sessions;

/// <summary>A session grain's state: a fold of its audit stream.</summary>
internal sealed record SessionState(SessionStarted? Started, long NextSequence, bool Ended)
{
    public static readonly SessionState Empty = new(null, 1, false);

    public static SessionState Apply(SessionState state, object @event) => @event switch
    {
        SessionStarted started => state with { Started = started },
        StatementReceived received => state with { NextSequence = Math.Max(state.NextSequence, received.Sequence + 1) },
        SessionEnded => state with { Ended = true },
        _ => state,
    };
}
