namespace OrleansGate.Grains.Audit.Events;

/// <summary>
/// The record's events as the facts readers fold: a <see cref="StatementDecided"/> is the outcomes
/// it carries, then what arrived, then the decision; every other event is itself. Projections and
/// the session grain read old records (separate events) and new ones (one event per statement) alike.
/// </summary>
public static class AuditFacts
{
    /// <summary>The facts of one event of the session <paramref name="sessionId"/> (the stream it was read from).</summary>
    public static IEnumerable<object> Of(object @event, string sessionId)
    {
        if (@event is not StatementDecided decided)
        {
            yield return @event;
            yield break;
        }

        foreach (var completed in decided.Completed ?? [])
        {
            yield return completed.For(sessionId);
        }

        yield return decided.AsReceived(sessionId);
        yield return decided.AsDecision(sessionId);
    }

    /// <summary>Folds a <see cref="StatementDecided"/> into a view with the view's folds of the separate events, in <see cref="Of"/>'s order.</summary>
    public static void Fold<TView>(StatementDecided decided, string sessionId, TView view, Action<StatementCompleted, TView> completed,
        Action<StatementReceived, TView> received, Action<DecisionMade, TView> decision)
    {
        foreach (var fact in Of(decided, sessionId))
        {
            switch (fact)
            {
                case StatementCompleted c: completed(c, view); break;
                case StatementReceived r: received(r, view); break;
                case DecisionMade d: decision(d, view); break;
            }
        }
    }
}
