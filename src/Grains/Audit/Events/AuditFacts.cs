namespace OrleansGate.Grains.Audit.Events;

/// <summary>
/// The record's events as the facts readers fold: a <see cref="StatementDecided"/> is the outcomes
/// it carries, then what arrived, then the decision; every other event is itself. Projections and
/// the session grain read old records (separate events) and new ones (one event per statement) alike.
/// </summary>
public static class AuditFacts
{
    public static IEnumerable<object> Of(object @event)
    {
        if (@event is not StatementDecided decided)
        {
            yield return @event;
            yield break;
        }

        foreach (var completed in decided.Completed ?? [])
        {
            yield return completed.For(decided.SessionId);
        }

        yield return decided.AsReceived();
        yield return decided.AsDecision();
    }
}
