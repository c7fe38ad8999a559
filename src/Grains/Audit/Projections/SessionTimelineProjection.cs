using JasperFx.Events;
using Marten.Events.Aggregation;
using OrleansGate.Grains.Audit.Events;

namespace OrleansGate.Grains.Audit.Projections;

/// <summary>Folds one session stream into its <see cref="SessionTimeline"/>.</summary>
public sealed class SessionTimelineProjection : SingleStreamProjection<SessionTimeline, string>
{
    public static SessionTimeline Create(IEvent<SessionStarted> e) => Start(e.StreamKey ?? e.Data.SessionId, e.Data);

    private static SessionTimeline Start(string id, SessionStarted started) => new()
    {
        Id = id,
        Identity = started.Identity,
        Target = started.Target,
        Start = started.At,
    };

    /// <summary>
    /// The timeline of one stream's events as read (not through Marten's projection daemon): what
    /// the admin API shows the console. Null when the stream has no SessionStarted (a refused login).
    /// </summary>
    public static SessionTimeline? Of(string sessionId, IEnumerable<object> events)
    {
        SessionTimeline? view = null;
        foreach (var e in events)
        {
            if (e is SessionStarted started)
            {
                view ??= Start(sessionId, started);
                continue;
            }

            if (view is null)
            {
                continue;
            }

            switch (e)
            {
                case StatementDecided x: Apply(x, view); break;
                case StatementReceived x: Apply(x, view); break;
                case DecisionMade x: Apply(x, view); break;
                case StatementCompleted x: Apply(x, view); break;
                case ApprovalRequested x: Apply(x, view); break;
                case ApprovalGranted x: Apply(x, view); break;
                case ApprovalDenied x: Apply(x, view); break;
                case ApprovalExpired x: Apply(x, view); break;
                case ApprovalWithdrawn x: Apply(x, view); break;
                case SessionEnded x: Apply(x, view); break;
            }
        }

        return view;
    }

    public static void Apply(StatementDecided e, SessionTimeline view) => AuditFacts.Fold(e, view.Id, view, Apply, Apply, Apply);

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
