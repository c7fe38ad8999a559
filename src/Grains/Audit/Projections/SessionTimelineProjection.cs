using JasperFx.Events;
using Marten.Events.Aggregation;
using OrleansGate.Grains.Audit.Events;

namespace OrleansGate.Grains.Audit.Projections;

/// <summary>Folds one session stream into its <see cref="SessionTimeline"/>.</summary>
public sealed class SessionTimelineProjection : SingleStreamProjection<SessionTimeline, string>
{
    public static SessionTimeline Create(IEvent<SessionStarted> e) => new()
    {
        Id = e.StreamKey ?? e.Data.SessionId,
        Identity = e.Data.Identity,
        Target = e.Data.Target,
        Start = e.Data.At,
    };

    public static void Apply(StatementDecided e, SessionTimeline view) => AuditFacts.Fold(e, view, Apply, Apply, Apply);

    public static void Apply(StatementReceived e, SessionTimeline view)
    {
        if (view.Entry(e.Sequence) is not null)
        {
            return;
        }

        view.Entries.Add(new TimelineEntry
        {
            Sequence = e.Sequence,
            Phase = e.Phase.ToString(),
            Sql = e.Sql,
            Kind = e.Kind.ToString(),
            Command = e.Command,
            Parameters = [.. e.Parameters],
            RelationsRead = [.. e.RelationsRead],
            RelationsWritten = [.. e.RelationsWritten],
            ReceivedAt = e.At,
            OffsetMs = (e.At - view.Start).TotalMilliseconds,
        });
    }

    public static void Apply(DecisionMade e, SessionTimeline view)
    {
        if (view.Entry(e.Sequence) is not { } entry)
        {
            return;
        }

        entry.Action = e.Action.ToString();
        entry.Rule = e.Rule;
        entry.DecisionSqlState = e.SqlState;
        entry.DecisionMessage = e.Message;
        entry.MaskedColumns = [.. e.MaskedColumns.Select(c => $"{c.Column} ({c.Reason.ToString().ToLowerInvariant()})")];
        entry.UsesMaskedColumnInPredicate = e.UsesMaskedColumnInPredicate;
    }

    public static void Apply(StatementCompleted e, SessionTimeline view)
    {
        if (view.Entry(e.Sequence) is not { } entry)
        {
            return;
        }

        entry.Outcome = e.Outcome.ToString();
        entry.CommandTag = e.CommandTag;
        entry.Rows = e.Rows;
        entry.ErrorSqlState = e.SqlState;
        entry.ErrorMessage = e.Message;
        entry.MaskedValues = e.MaskedValues.Sum(m => m.Count);
        entry.Preview = e.Preview;
        entry.CompletedAt = e.At;
        entry.DurationMs = (e.At - entry.ReceivedAt).TotalMilliseconds;
    }

    public static void Apply(ApprovalRequested e, SessionTimeline view)
    {
        view.Approvals[e.ApprovalId] = [.. e.Sequences];
        Step(view, e.ApprovalId, $"requested {e.ApprovalId} (rule {e.Rule}, approvers {string.Join(", ", e.ApproverGroups)})");
    }

    public static void Apply(ApprovalGranted e, SessionTimeline view) =>
        Step(view, e.ApprovalId, $"approved by {e.Approver}{(e.Final ? "" : $" ({e.ApprovalsSoFar} so far)")}{Reason(e.Reason)}");

    public static void Apply(ApprovalDenied e, SessionTimeline view) => Step(view, e.ApprovalId, $"denied by {e.Approver}{Reason(e.Reason)}");

    public static void Apply(ApprovalExpired e, SessionTimeline view) => Step(view, e.ApprovalId, "expired");

    public static void Apply(ApprovalWithdrawn e, SessionTimeline view) => Step(view, e.ApprovalId, $"withdrawn{Reason(e.Reason)}");

    public static void Apply(SessionEnded e, SessionTimeline view)
    {
        view.End = e.At;
        view.EndReason = e.Reason;
    }

    private static void Step(SessionTimeline view, string approvalId, string step)
    {
        foreach (var sequence in view.Approvals.GetValueOrDefault(approvalId) ?? [])
        {
            view.Entry(sequence)?.ApprovalSteps.Add(step);
        }
    }

    private static string Reason(string? reason) => string.IsNullOrEmpty(reason) ? "" : $": {reason}";
}
