using OrleansGate.Grains.Audit.Chain;
using OrleansGate.Grains.Audit.Events;

namespace OrleansGate.Grains.Sessions;

/// <summary>
/// A session grain's state: a fold of its audit stream, including how far its chain goes
/// (<see cref="Events"/> in the stream, the last one's <see cref="LastHash"/>).
/// </summary>
internal sealed record SessionState(SessionStarted? Started, long NextSequence, bool Ended, long Events, string LastHash)
{
    public static readonly SessionState Empty = new(null, 1, false, 0, ChainHead.Genesis);

    public static SessionState Apply(SessionState state, object @event) => Counted(state, @event) switch
    {
        var s when @event is SessionStarted started => s with { Started = started },
        var s when @event is StatementReceived received => s with { NextSequence = Math.Max(s.NextSequence, received.Sequence + 1) },
        var s when @event is StatementDecided decided => s with { NextSequence = Math.Max(s.NextSequence, decided.Sequence + 1) },
        var s when @event is SessionEnded or LoginRefused => s with { Ended = true },
        var s => s,
    };

    // Every event takes a position, chained or not (a stream written before the chain existed).
    private static SessionState Counted(SessionState state, object @event) =>
        state with { Events = state.Events + 1, LastHash = (@event as ChainedEvent)?.Hash ?? state.LastHash };
}
