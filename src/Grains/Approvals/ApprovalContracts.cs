namespace OrleansGate.Grains.Approvals;

/// <summary>Where a held request stands.</summary>
public enum ApprovalStatus
{
    Pending,
    Granted,
    Denied,
    Expired,
    /// <summary>The client cancelled, or its session ended, before anyone decided.</summary>
    Withdrawn,
}

/// <summary>What is held: one request (a Query message, or an extended-protocol batch up to Sync) of one session.</summary>
[GenerateSerializer, Immutable]
public sealed record ApprovalRequest
{
    /// <summary>The approval's id (the grain key), short enough to type: <c>ap-</c> and 12 hex digits.</summary>
    [Id(0)] public required string Id { get; init; }

    [Id(1)] public required string SessionId { get; init; }

    /// <summary>The identity whose statement is held; it may never approve it.</summary>
    [Id(2)] public required string Requester { get; init; }

    [Id(3)] public required string Target { get; init; }

    /// <summary>The held statements' SQL, in order.</summary>
    [Id(4)] public required IReadOnlyList<string> Statements { get; init; }

    /// <summary>Their sequence numbers in the session's record.</summary>
    [Id(5)] public required IReadOnlyList<long> Sequences { get; init; }

    /// <summary>The rule that held it.</summary>
    [Id(6)] public required string Rule { get; init; }

    /// <summary>Members of these groups may approve or deny.</summary>
    [Id(7)] public required IReadOnlyList<string> ApproverGroups { get; init; }

    /// <summary>Distinct approvers needed (1 unless the rule says more).</summary>
    [Id(8)] public int MinApprovals { get; init; } = 1;

    [Id(9)] public required DateTimeOffset RequestedAt { get; init; }

    /// <summary>When the request expires if nobody decided.</summary>
    [Id(10)] public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>The statements' fingerprint (libpg_query's, joined): what a window approval lets through again.</summary>
    [Id(11)] public required string Fingerprint { get; init; }

    /// <summary>
    /// For each held statement, what it runs when that is not its own text: the PREPARE (or the
    /// Parse message's SQL) behind an EXECUTE, the DECLARE behind a FETCH. Null for the others.
    /// </summary>
    [Id(12)] public IReadOnlyList<string?> Runs { get; init; } = [];

    /// <summary>For each held statement, the values bound to its parameters (extended protocol), as text; null for SQL NULL.</summary>
    [Id(13)] public IReadOnlyList<IReadOnlyList<string?>> Parameters { get; init; } = [];

    /// <summary>Why it is held, in the holding rules' words (a masked COPY names the masked columns), once each.</summary>
    [Id(14)] public IReadOnlyList<string> Why { get; init; } = [];

    /// <summary>
    /// For each held statement, the planner's row estimate when a bulk-read rule asked the target
    /// for one (EXPLAIN, never executed); null for the others and when none could be had.
    /// </summary>
    [Id(15)] public IReadOnlyList<long?> EstimatedRows { get; init; } = [];
}

/// <summary>One approver's word.</summary>
[GenerateSerializer, Immutable]
public sealed record ApprovalVote(
    [property: Id(0)] string Approver,
    [property: Id(1)] string? Reason,
    [property: Id(2)] DateTimeOffset At);

/// <summary>An approval as it stands.</summary>
[GenerateSerializer, Immutable]
public sealed record ApprovalView
{
    [Id(0)] public required ApprovalRequest Request { get; init; }

    [Id(1)] public ApprovalStatus Status { get; init; } = ApprovalStatus.Pending;

    /// <summary>The approvals given so far (distinct approvers).</summary>
    [Id(2)] public IReadOnlyList<ApprovalVote> Approvals { get; init; } = [];

    /// <summary>Who denied it and why, for <see cref="ApprovalStatus.Denied"/>.</summary>
    [Id(3)] public ApprovalVote? Denial { get; init; }

    /// <summary>For a grant with a window: the same fingerprint by the same identity on the same target passes without a new hold until then.</summary>
    [Id(4)] public DateTimeOffset? WindowUntil { get; init; }

    /// <summary>When it stopped being pending.</summary>
    [Id(5)] public DateTimeOffset? DecidedAt { get; init; }

    /// <summary>Why it was withdrawn or expired.</summary>
    [Id(6)] public string? Reason { get; init; }

    public bool IsPending => Status == ApprovalStatus.Pending;
}

/// <summary>Who is acting on an approval through the admin API (authenticated by the identity's ApiToken).</summary>
[GenerateSerializer, Immutable]
public sealed record Approver(
    [property: Id(0)] string Identity,
    [property: Id(1)] IReadOnlyList<string> Groups)
{
    /// <summary>When the admin API vouched for this approver (<see cref="ApprovalProofs.Vouch"/>).</summary>
    [Id(2)] public DateTimeOffset VouchedAt { get; init; }

    /// <summary>The admin API's proof that it authenticated this approver for one request; the approval grain checks it.</summary>
    [Id(3)] public string? Proof { get; init; }
}

/// <summary>An approve or deny that cannot be taken: the approver is the requester, not in an approver group, it is decided already, …</summary>
[GenerateSerializer]
public sealed class ApprovalRefusedException(string message) : Exception(message);

/// <summary>
/// One held request (keyed by its id), its state persisted in grain storage
/// <c>approvals</c>, so a silo restart loses nothing. Its steps are also recorded in the
/// session's audit stream (ApprovalRequested … ApprovalGranted / Denied / Expired / Withdrawn).
/// </summary>
public interface IApprovalGrain : IGrainWithStringKey
{
    /// <summary>Opens the request (idempotent); it is then listed as pending until decided, withdrawn or expired.</summary>
    Task<ApprovalView> OpenAsync(ApprovalRequest request);

    /// <summary>The approval, or null when no request has this id.</summary>
    Task<ApprovalView?> GetAsync();

    /// <summary>
    /// Returns as soon as the approval is no longer pending, or after <paramref name="upTo"/> (kept
    /// well under the grain call timeout); the proxy calls it in a loop while its client waits.
    /// </summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<ApprovalView?> WaitAsync(TimeSpan upTo);

    /// <exception cref="ApprovalRefusedException">Self-approval, not an approver, or no longer pending.</exception>
    Task<ApprovalView> ApproveAsync(Approver approver, string? reason, TimeSpan? window);

    /// <exception cref="ApprovalRefusedException">The same rules as approving: never the requester, only an approver, only while pending.</exception>
    Task<ApprovalView> DenyAsync(Approver approver, string reason);

    /// <summary>The client cancelled or went away; a request already decided stays as it is.</summary>
    Task<ApprovalView?> WithdrawAsync(string reason);
}

/// <summary>The pending requests of the whole cluster (one grain, key 0), for listing.</summary>
public interface IApprovalIndexGrain : IGrainWithIntegerKey
{
    Task AddAsync(ApprovalRequest request);

    Task RemoveAsync(string approvalId);

    Task<IReadOnlyList<ApprovalRequest>> PendingAsync();
}
