using OrleansGate.Grains.Statements;

namespace OrleansGate.Grains.Policy;

/// <summary>A named policy (<c>OrleansGate:Policies:N</c>); a target names the one its sessions follow.</summary>
public sealed class PolicyOptions
{
    public string Name { get; set; } = string.Empty;

    /// <summary>Columns masked in every result (applied by the masking engine).</summary>
    public List<MaskOptions> Masks { get; set; } = [];

    /// <summary>Evaluated in order; the first rule that matches decides.</summary>
    public List<RuleOptions> Rules { get; set; } = [];
}

/// <summary>A masked column (<c>OrleansGate:Policies:N:Masks:M</c>).</summary>
public sealed class MaskOptions
{
    /// <summary><c>schema.table.column</c>.</summary>
    public string Column { get; set; } = string.Empty;

    public MaskStrategy Strategy { get; set; } = MaskStrategy.Redact;

    /// <summary>For <see cref="MaskStrategy.Partial"/>: how many trailing characters stay visible.</summary>
    public int KeepLast { get; set; } = 4;
}

public enum MaskStrategy
{
    Redact,
    Email,
    Partial,
    Hash,
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

    /// <summary>For <see cref="PolicyAction.Allow"/>: the built-in safe defaults this rule lifts when it matches.</summary>
    public List<string> Overrides { get; set; } = [];

    /// <summary>Shown to the client when the rule refuses a statement.</summary>
    public string? Message { get; set; }
}

public enum PolicyAction
{
    Allow,
    Block,
    Hold,
    Mask,
}
