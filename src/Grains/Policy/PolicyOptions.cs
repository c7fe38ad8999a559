using OrleansGate.Grains.Statements;

namespace OrleansGate.Grains.Policy;

/// <summary>A named policy (<c>OrleansGate:Policies:N</c>); a target names the one its sessions follow.</summary>
public sealed class PolicyOptions
{
    public string Name { get; set; } = string.Empty;

    /// <summary>Columns masked in every result (applied by the masking engine).</summary>
    public List<MaskOptions> Masks { get; set; } = [];

    /// <summary>Result columns computed from masked values: masked (default) or the statement refused.</summary>
    public DerivedColumnAction DerivedColumns { get; set; } = DerivedColumnAction.Mask;

    /// <summary>Statements that filter, sort, group or join on a masked column: refused (default) or flagged.</summary>
    public MaskedPredicateAction MaskedPredicates { get; set; } = MaskedPredicateAction.Block;

    /// <summary>Evaluated in order; the first rule that matches decides.</summary>
    public List<RuleOptions> Rules { get; set; } = [];

    /// <summary>
    /// Who may approve the policy's built-in holds (<c>masking:copy-out</c>). Empty: those holds
    /// cannot be approved and are refused.
    /// </summary>
    public List<string> ApproverGroups { get; set; } = [];

    /// <summary>
    /// How many rows of each result (as the client saw them, after masking) StatementCompleted
    /// keeps, so the replay tool can show them. 0 turns the preview off.
    /// </summary>
    public int ResultPreviewRows { get; set; } = DefaultResultPreviewRows;

    public const int DefaultResultPreviewRows = 20;

    public const int MaxResultPreviewRows = 1000;
}

/// <summary>
/// A masked column (<c>OrleansGate:Policies:N:Masks:M</c>), or, with <c>Column: "*"</c>, content
/// detectors applied to every text column of every result on the policy's targets.
/// </summary>
public sealed class MaskOptions
{
    /// <summary>The column every value is detected on.</summary>
    public const string EveryTextColumn = "*";

    /// <summary><c>schema.table.column</c>, or <c>*</c> for every text column (with <see cref="Detectors"/>).</summary>
    public string Column { get; set; } = string.Empty;

    public MaskStrategy Strategy { get; set; } = MaskStrategy.Redact;

    /// <summary>For <see cref="MaskStrategy.Partial"/>: how many leading characters stay visible.</summary>
    public int KeepFirst { get; set; }

    /// <summary>For <see cref="MaskStrategy.Partial"/>: how many trailing characters stay visible.</summary>
    public int KeepLast { get; set; }

    /// <summary>
    /// When given, only the values these detectors find inside the column are masked (each with
    /// <see cref="Strategy"/>); the rest of the text stays. Empty: the whole value is masked.
    /// </summary>
    public List<ContentDetector> Detectors { get; set; } = [];

    /// <summary>Identity groups that see this column's clear values.</summary>
    public List<string> Unmasked { get; set; } = [];
}

public enum MaskStrategy
{
    /// <summary>A fixed placeholder valid for the column's type.</summary>
    Redact,
    /// <summary>Keep <see cref="MaskOptions.KeepFirst"/> / <see cref="MaskOptions.KeepLast"/> characters, the rest replaced.</summary>
    Partial,
    /// <summary>HMAC-SHA256 with <c>Secrets:MaskingKey</c>, in hex: deterministic, so joins and GROUP BY still work.</summary>
    Hash,
    /// <summary>SQL NULL.</summary>
    Null,
    /// <summary>An e-mail address keeps its domain; the local part is replaced.</summary>
    Email,
}

/// <summary>Shapes of sensitive values found inside text.</summary>
public enum ContentDetector
{
    Email,
    /// <summary>13–19 digits (spaces or dashes allowed) that pass the Luhn check.</summary>
    PaymentCard,
    Iban,
    /// <summary>US social security number, NNN-NN-NNNN.</summary>
    UsSsn,
    Phone,
    Jwt,
    /// <summary>Common API-key shapes (AWS access keys, GitHub, Slack, Stripe, Google, …).</summary>
    ApiKey,
}

/// <summary>What a policy does with result columns computed from masked values (no table origin).</summary>
public enum DerivedColumnAction
{
    /// <summary>Mask them (the strategy of the masked column the statement touches, Redact when several).</summary>
    Mask,
    /// <summary>Refuse statements that compute result columns from masked values.</summary>
    Block,
}

/// <summary>What a policy does with statements that filter, sort, group or join on a masked column.</summary>
public enum MaskedPredicateAction
{
    /// <summary>
    /// Run them; the decision says UsesMaskedColumnInPredicate. An opt-in: a predicate reveals what
    /// the masked value is, one bit per row, and a join against every character reveals it whole in
    /// one statement.
    /// </summary>
    Flag,
    /// <summary>Refuse them (the default: fail closed).</summary>
    Block,
}

/// <summary>
/// One rule (<c>OrleansGate:Policies:N:Rules:M</c>). Every criterion given must hold for the rule
/// to match; a criterion left empty matches anything.
/// </summary>
public sealed class RuleOptions
{
    public string Name { get; set; } = string.Empty;

    /// <summary>The identity is in at least one of these groups.</summary>
    public List<string> Groups { get; set; } = [];

    /// <summary>The session's target is one of these.</summary>
    public List<string> Targets { get; set; } = [];

    /// <summary>The statement runs at least one of these kinds (<see cref="StatementInfo.Kinds"/>).</summary>
    public List<StatementKind> Kinds { get; set; } = [];

    /// <summary>The statement reads or writes one of these relations (<c>table</c> or <c>schema.table</c>).</summary>
    public List<string> Relations { get; set; } = [];

    /// <summary>The statement calls one of these functions.</summary>
    public List<string> Functions { get; set; } = [];

    public PolicyAction Action { get; set; } = PolicyAction.Block;

    /// <summary>For <see cref="PolicyAction.Hold"/>: the groups whose members may approve.</summary>
    public List<string> ApproverGroups { get; set; } = [];

    /// <summary>For <see cref="PolicyAction.Hold"/>: how many distinct approvers it takes (at least 1).</summary>
    public int MinApprovals { get; set; } = 1;

    /// <summary>For <see cref="PolicyAction.Hold"/>: how long a request waits before it expires (refused).</summary>
    public TimeSpan Timeout { get; set; } = DefaultHoldTimeout;

    /// <summary>
    /// When given, the rule matches only if one of these holds too (in addition to every other
    /// criterion): a bulk read, an unbounded write, DDL on a production target.
    /// </summary>
    public List<HoldCondition> Conditions { get; set; } = [];

    /// <summary>
    /// For <see cref="HoldCondition.BulkRead"/>: a SELECT is bulk when the planner's row estimate
    /// (EXPLAIN, never executed) exceeds this; unset, a SELECT without LIMIT is bulk.
    /// </summary>
    public long? BulkReadRows { get; set; }

    public static readonly TimeSpan DefaultHoldTimeout = TimeSpan.FromMinutes(5);

    /// <summary>For <see cref="PolicyAction.Allow"/>: the built-in safe defaults this rule lifts when it matches.</summary>
    public List<string> Overrides { get; set; } = [];

    /// <summary>Shown to the client when the rule refuses a statement.</summary>
    public string? Message { get; set; }
}

/// <summary>Built-in conditions a rule can require (<see cref="RuleOptions.Conditions"/>).</summary>
public enum HoldCondition
{
    /// <summary>
    /// A SELECT reading one of the rule's relations (any relation when it lists none) with no LIMIT
    /// at the top level — or, with <see cref="RuleOptions.BulkReadRows"/>, whose planner estimate
    /// exceeds it (no estimate: bulk, fail closed).
    /// </summary>
    BulkRead,
    /// <summary>UPDATE or DELETE without WHERE, at the top level or in a data-modifying CTE.</summary>
    UnboundedWrite,
    /// <summary>DDL on a target configured with <c>Production: true</c>.</summary>
    ProductionDdl,
}

public enum PolicyAction
{
    Allow,
    Block,
    Hold,
    Mask,
}
