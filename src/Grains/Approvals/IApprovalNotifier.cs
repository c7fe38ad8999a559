namespace OrleansGate.Grains.Approvals;

/// <summary>
/// Tells the outside world (the admin webhook) about approvals. The approval grain calls it for
/// every new request and every outcome. It only enqueues: delivery, retries and failures happen
/// in the background and never delay the hold or the caller, and it never throws.
/// </summary>
public interface IApprovalNotifier
{
    Task NotifyAsync(ApprovalEvent approvalEvent);
}

/// <summary>What happened to an approval, as POSTed to the webhook (camelCase JSON).</summary>
public sealed record ApprovalEvent
{
    /// <summary><c>requested</c>, <c>granted</c>, <c>denied</c>, <c>expired</c> or <c>withdrawn</c>.</summary>
    public required string Event { get; init; }

    public required string Id { get; init; }

    public required string Session { get; init; }

    public required string Requester { get; init; }

    public required string Target { get; init; }

    public required string Rule { get; init; }

    /// <summary>The held statements as approvers read them (<see cref="HeldStatementText"/>).</summary>
    public required IReadOnlyList<string> Sql { get; init; }

    /// <summary>Who granted (the last approver) or denied; null for requested, expired, withdrawn.</summary>
    public string? Approver { get; init; }

    public string? Reason { get; init; }

    public required DateTimeOffset At { get; init; }

    public const string Requested = "requested";
    public const string Granted = "granted";
    public const string Denied = "denied";
    public const string Expired = "expired";
    public const string Withdrawn = "withdrawn";

    /// <summary>The event of a request just opened.</summary>
    public static ApprovalEvent ForRequest(ApprovalRequest request) => Create(request, Requested, null, null, request.RequestedAt);

    /// <summary>The event of an approval that is no longer pending (granted, denied, expired, withdrawn).</summary>
    public static ApprovalEvent ForOutcome(ApprovalView view)
    {
        var at = view.DecidedAt ?? DateTimeOffset.UtcNow;
        return view.Status switch
        {
            ApprovalStatus.Granted => Create(view.Request, Granted, view.Approvals.LastOrDefault()?.Approver,
                view.Approvals.LastOrDefault()?.Reason, at),
            ApprovalStatus.Denied => Create(view.Request, Denied, view.Denial?.Approver, view.Denial?.Reason, at),
            ApprovalStatus.Expired => Create(view.Request, Expired, null, view.Reason, at),
            ApprovalStatus.Withdrawn => Create(view.Request, Withdrawn, null, view.Reason, at),
            _ => throw new ArgumentException("a pending approval has no outcome yet", nameof(view)),
        };
    }

    private static ApprovalEvent Create(ApprovalRequest request, string kind, string? approver, string? reason, DateTimeOffset at) => new()
    {
        Event = kind,
        Id = request.Id,
        Session = request.SessionId,
        Requester = request.Requester,
        Target = request.Target,
        Rule = request.Rule,
        Sql = HeldStatementText.All(request),
        Approver = approver,
        Reason = reason,
        At = at,
    };
}
