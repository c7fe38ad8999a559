using System.Globalization;
using OrleansGate.Grains.Audit.Events;
using OrleansGate.Grains.Policy;

namespace OrleansGate.Grains.Audit.Projections;

/// <summary>
/// The counting behind <see cref="AccessProjection"/>, apart from storage: events in, the
/// <see cref="IdentityActivity"/> and <see cref="TableAccess"/> counts they add out. The projection
/// adds them to what is stored; verify counts the whole record from empty cursors and compares the
/// totals with the stored documents.
/// </summary>
public sealed class AccessTally(Dictionary<string, AccessCursor> cursors)
{
    /// <summary>The counts these events add, by document id.</summary>
    public Dictionary<string, IdentityActivity> Activity { get; } = [];

    /// <inheritdoc cref="Activity"/>
    public Dictionary<string, TableAccess> Access { get; } = [];

    /// <summary>Sessions whose cursor changed (to store) and ended (to delete).</summary>
    public HashSet<string> ChangedCursors { get; } = [];

    /// <inheritdoc cref="ChangedCursors"/>
    public HashSet<string> EndedCursors { get; } = [];

    /// <summary>Counts <paramref name="events"/> (session id and event), in the record's order.</summary>
    public void Apply(IEnumerable<(string SessionId, object Data)> events)
    {
        foreach (var (sessionId, data) in events.SelectMany(e => AuditFacts.Of(e.Data, e.SessionId).Select(fact => (e.SessionId, fact))))
        {
            if (data is SessionStarted started)
            {
                var cursor = new AccessCursor { Id = sessionId, Identity = started.Identity, Target = started.Target };
                cursors[sessionId] = cursor;
                ChangedCursors.Add(sessionId);
                ActivityOf(cursor, started.At).Sessions++;
                continue;
            }

            if (!cursors.TryGetValue(sessionId, out var current))
            {
                continue; // a stream without its start (or already ended): nothing to attribute it to
            }

            switch (data)
            {
                case StatementReceived received:
                    ActivityOf(current, received.At).Statements++;
                    foreach (var relation in received.RelationsRead)
                    {
                        AccessOf(current, relation, received.At).Reads++;
                    }

                    foreach (var relation in received.RelationsWritten)
                    {
                        AccessOf(current, relation, received.At).Writes++;
                    }

                    current.Pending[received.Sequence.ToString(CultureInfo.InvariantCulture)] =
                        [.. received.RelationsRead.Concat(received.RelationsWritten).Distinct()];
                    ChangedCursors.Add(sessionId);
                    break;

                case DecisionMade decision:
                    var day = ActivityOf(current, decision.At);
                    switch (decision.Action)
                    {
                        case PolicyAction.Allow: day.Allowed++; break;
                        case PolicyAction.Mask: day.Masked++; break;
                        case PolicyAction.Hold: day.Held++; break;
                        case PolicyAction.Block: day.Blocked++; break;
                    }

                    if (current.Pending.Remove(decision.Sequence.ToString(CultureInfo.InvariantCulture), out var relations))
                    {
                        ChangedCursors.Add(sessionId);
                        foreach (var relation in relations)
                        {
                            var table = AccessOf(current, relation, decision.At);
                            switch (decision.Action)
                            {
                                case PolicyAction.Mask: table.Masked++; break;
                                case PolicyAction.Hold: table.Held++; break;
                                case PolicyAction.Block: table.Blocked++; break;
                            }
                        }
                    }

                    break;

                case SessionEnded:
                    cursors.Remove(sessionId);
                    EndedCursors.Add(sessionId);
                    break;
            }
        }
    }

    private IdentityActivity ActivityOf(AccessCursor cursor, DateTimeOffset at)
    {
        var day = at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var id = IdentityActivity.IdOf(cursor.Identity, day);
        if (!Activity.TryGetValue(id, out var delta))
        {
            Activity[id] = delta = new IdentityActivity { Id = id, Identity = cursor.Identity, Day = day };
        }

        return delta;
    }

    private TableAccess AccessOf(AccessCursor cursor, string relation, DateTimeOffset at)
    {
        var id = TableAccess.IdOf(cursor.Target, relation, cursor.Identity);
        if (!Access.TryGetValue(id, out var delta))
        {
            Access[id] = delta = new TableAccess
            {
                Id = id, Target = cursor.Target, Relation = relation, Identity = cursor.Identity, FirstAt = at, LastAt = at,
            };
        }

        // The earliest and latest times, not the first and last seen: sessions interleave in the
        // record, and the totals must not depend on how the events were batched.
        delta.FirstAt = at < delta.FirstAt ? at : delta.FirstAt;
        delta.LastAt = at > delta.LastAt ? at : delta.LastAt;
        return delta;
    }
}
