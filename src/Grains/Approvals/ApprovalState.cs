using OrleansGate.Grains.Audit.Events;

namespace OrleansGate.Grains.Approvals;

/// <summary>
/// An approval grain's persisted state: the view, the window each vote asked for, and how far the
/// decision's consequences (session record, window, index) have been carried out — those are
/// retried on the next call when they failed, the decision itself is never undone.
/// </summary>
[GenerateSerializer]
public sealed class ApprovalState : ISealedState
{
    /// <summary>The HMAC over the rest (<see cref="SealedState"/>).</summary>
    [Id(6)] public string? Seal { get; set; }

    [Id(0)] public ApprovalView? View { get; set; }

    /// <summary>The window each vote of <see cref="ApprovalView.Approvals"/> asked for, in the same order.</summary>
    [Id(1)] public List<TimeSpan?> VoteWindows { get; set; } = [];

    /// <summary>How many of <see cref="Steps"/> the session's stream holds.</summary>
    [Id(2)] public int Recorded { get; set; }

    [Id(3)] public bool WindowStored { get; set; }

    [Id(4)] public bool Listed { get; set; }

    [Id(5)] public bool Unlisted { get; set; }

    /// <summary>
    /// The events the approval's steps make in the session's stream (after ApprovalRequested, which
    /// the session writes itself): one ApprovalGranted per vote, then how it ended unless granted.
    /// They follow from the state alone, so a failed recording is simply retried from <see cref="Recorded"/>.
    /// </summary>
    public static List<object> Steps(ApprovalState state)
    {
        var steps = new List<object>();
        if (state.View is not { } view)
        {
            return steps;
        }

        var request = view.Request;
        for (var i = 0; i < view.Approvals.Count; i++)
        {
            var vote = view.Approvals[i];
            var final = view.Status == ApprovalStatus.Granted && i == view.Approvals.Count - 1;
            steps.Add(new ApprovalGranted(request.SessionId, request.Id, vote.Approver, vote.Reason,
                i < state.VoteWindows.Count ? state.VoteWindows[i] : null, i + 1, final, vote.At)
            {
                WindowUntil = final ? view.WindowUntil : null,
            });
        }

        var at = view.DecidedAt ?? request.ExpiresAt;
        switch (view.Status)
        {
            case ApprovalStatus.Denied when view.Denial is { } denial:
                steps.Add(new ApprovalDenied(request.SessionId, request.Id, denial.Approver, denial.Reason ?? string.Empty, denial.At));
                break;
            case ApprovalStatus.Expired:
                steps.Add(new ApprovalExpired(request.SessionId, request.Id, request.ExpiresAt, view.Approvals.Count, at));
                break;
            case ApprovalStatus.Withdrawn:
                steps.Add(new ApprovalWithdrawn(request.SessionId, request.Id, view.Reason ?? string.Empty, at));
                break;
        }

        return steps;
    }
}
