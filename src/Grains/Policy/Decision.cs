namespace OrleansGate.Grains.Policy;

/// <summary>What happens to one statement, and which rule said so.</summary>
[GenerateSerializer, Immutable]
public sealed record Decision
{
    [Id(0)] public required PolicyAction Action { get; init; }

    /// <summary>The rule that decided: a configured rule's name, or a built-in one (<c>default:…</c>).</summary>
    [Id(1)] public required string Rule { get; init; }

    /// <summary>For a refusal: the SQLSTATE the client gets.</summary>
    [Id(2)] public string? SqlState { get; init; }

    /// <summary>For a refusal: the message the client gets.</summary>
    [Id(3)] public string? Message { get; init; }

    /// <summary>The masked columns the statement's results carry (<c>schema.table.column</c>), and why.</summary>
    [Id(4)] public IReadOnlyList<Masking.MaskedColumnUse> MaskedColumns { get; init; } = [];

    /// <summary>For <see cref="PolicyAction.Hold"/>: the groups whose members may approve.</summary>
    [Id(5)] public IReadOnlyList<string> ApproverGroups { get; init; } = [];

    /// <summary>The statement's sequence number in the session's record (0 when it could not be recorded).</summary>
    [Id(6)] public long Sequence { get; init; }

    /// <summary>How the proxy masks the statement's results; null when the target masks nothing.</summary>
    [Id(7)] public Masking.MaskPlan? Mask { get; init; }

    /// <summary>The statement filters, sorts, groups or joins on a masked column.</summary>
    [Id(8)] public bool UsesMaskedColumnInPredicate { get; init; }

    /// <summary>
    /// For <see cref="PolicyAction.Hold"/>: the approval request the statement waits on (every
    /// statement of a held batch carries the same one). Null for a hold nobody can approve (refused).
    /// </summary>
    [Id(9)] public Approvals.ApprovalRequest? Approval { get; init; }

    /// <summary>For <see cref="PolicyAction.Hold"/>: distinct approvers needed (the rule's MinApprovals).</summary>
    [Id(10)] public int MinApprovals { get; init; } = 1;

    /// <summary>For <see cref="PolicyAction.Hold"/>: how long the request waits before it expires.</summary>
    [Id(11)] public TimeSpan HoldTimeout { get; init; } = RuleOptions.DefaultHoldTimeout;

    public bool Refuses => Action is PolicyAction.Block or PolicyAction.Hold;

    /// <summary>SQLSTATE 42501 insufficient_privilege: what PostgreSQL itself answers for a statement it will not run.</summary>
    public const string BlockedSqlState = "42501";

    public static Decision Block(string rule, string message, string sqlState = BlockedSqlState) =>
        new() { Action = PolicyAction.Block, Rule = rule, SqlState = sqlState, Message = message };
}
