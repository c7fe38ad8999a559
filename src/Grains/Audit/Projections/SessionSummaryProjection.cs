using JasperFx.Events;
using Marten.Events.Aggregation;
using OrleansGate.Grains.Audit.Events;
using OrleansGate.Grains.Policy;
using OrleansGate.Grains.Sessions;

namespace OrleansGate.Grains.Audit.Projections;

/// <summary>Folds one session stream into its <see cref="SessionSummary"/>.</summary>
public sealed class SessionSummaryProjection : SingleStreamProjection<SessionSummary, string>
{
    public static SessionSummary Create(IEvent<SessionStarted> e) => new()
    {
        Id = e.StreamKey ?? e.Data.SessionId,
        Identity = e.Data.Identity,
        Groups = [.. e.Data.Groups],
        Target = e.Data.Target,
        ClientAddress = e.Data.ClientAddress,
        ApplicationName = e.Data.ApplicationName,
        Tls = e.Data.Tls,
        Start = e.Data.At,
    };

    public static void Apply(StatementDecided e, SessionSummary view) => AuditFacts.Fold(e, view.Id, view, Apply, Apply, Apply);

    public static void Apply(StatementReceived e, SessionSummary view) => view.Statements++;

    public static void Apply(DecisionMade e, SessionSummary view)
    {
        switch (e.Action)
        {
            case PolicyAction.Allow: view.Allowed++; break;
            case PolicyAction.Mask: view.Masked++; break;
            case PolicyAction.Hold: view.Held++; break;
            case PolicyAction.Block: view.Blocked++; break;
        }
    }

    public static void Apply(StatementCompleted e, SessionSummary view)
    {
        if (e.Outcome == OutcomeKind.Failed)
        {
            view.Failed++;
        }

        view.RowsOut += e.Rows ?? 0;
        view.MaskedValues += e.MaskedValues.Sum(m => m.Count);
    }

    public static void Apply(SessionEnded e, SessionSummary view)
    {
        view.End = e.At;
        view.EndReason = e.Reason;
    }
}
