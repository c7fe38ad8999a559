using OrleansGate.Grains.Catalog;
using OrleansGate.Grains.Masking;
using OrleansGate.Grains.Statements;

namespace OrleansGate.Grains.Policy;

/// <summary>Who is asking: the identity, its groups and the target of the session.</summary>
[GenerateSerializer, Immutable]
public sealed record SessionSubject(
    [property: Id(0)] string Identity,
    [property: Id(1)] IReadOnlyList<string> Groups,
    [property: Id(2)] string Target);

/// <summary>
/// What the built-in hold conditions need besides the statement: whether the target is a
/// production one, and the planner's row estimate for a SELECT when a rule asked for it
/// (null: not known — a bulk-read threshold then counts it as bulk).
/// </summary>
public sealed record ConditionFacts(bool ProductionTarget, long? EstimatedRows = null)
{
    public static readonly ConditionFacts None = new(false);
}

/// <summary>
/// Decides one statement: the built-in safe defaults first (unless the first configured rule
/// that matches is an Allow that overrides them), then the configured rules in order — the
/// first that matches decides — and Allow when none does.
/// </summary>
public static class PolicyEngine
{
    public const string NoRuleMatched = "default:allow";

    /// <param name="catalog">The target's masking catalog, without the rules the subject's groups are exempt from.</param>
    public static Decision Decide(StatementInfo statement, SessionSubject subject, PolicyOptions? policy, MaskingCatalog? catalog = null,
        ConditionFacts? facts = null)
    {
        facts ??= ConditionFacts.None;
        if (!IsProvenReadOnly(statement, catalog))
        {
            statement = statement with { Kinds = [.. statement.Kinds, StatementKind.Write] };
        }

        var firstMatch = FirstMatch(policy, statement, subject, facts);

        foreach (var safeDefault in SafeDefaults.All)
        {
            if (!safeDefault.Matches(statement))
            {
                continue;
            }

            if (!Lifts(firstMatch, safeDefault, statement))
            {
                return Decision.Block(safeDefault.RuleName, $"blocked by rule '{safeDefault.RuleName}': {safeDefault.Reason}", safeDefault.SqlState);
            }
        }

        if (firstMatch is { Action: PolicyAction.Block })
        {
            return Decision.Block(firstMatch.Name, firstMatch.Message ?? $"blocked by rule '{firstMatch.Name}'");
        }

        Decision? hold = firstMatch is { Action: PolicyAction.Hold }
            ? Hold(firstMatch.Name, firstMatch.ApproverGroups, firstMatch.Message ?? $"held for approval by rule '{firstMatch.Name}'") with
            {
                MinApprovals = firstMatch.MinApprovals, HoldTimeout = firstMatch.Timeout,
            }
            : null;
        var rule = firstMatch?.Name ?? NoRuleMatched;
        if (catalog is null || catalog.Rules.Count == 0)
        {
            return hold ?? new Decision { Action = PolicyAction.Allow, Rule = rule };
        }

        // A held statement is decided for masking as if it were allowed: a masking refusal wins
        // over the hold (nobody should approve what would be refused anyway), and the hold carries
        // the mask plan, so its results are masked once it is approved.
        var analysis = catalog.Error is null ? MaskingAnalyzer.Analyze(statement, catalog) : null;
        var refusal = MaskingDefaults.Decide(statement, catalog, analysis, policy!, firstMatch);
        if (refusal is { Action: not PolicyAction.Hold })
        {
            return refusal;
        }

        // Without a catalog only statements that reach no table data are let through; they need no masking.
        var allowed = analysis is null
            ? new Decision { Action = PolicyAction.Allow, Rule = rule }
            : Masked(rule, analysis);
        var held = hold ?? (refusal is { Action: PolicyAction.Hold } ? refusal : null);
        return held is null
            ? allowed
            : held with { MaskedColumns = allowed.MaskedColumns, Mask = allowed.Mask, UsesMaskedColumnInPredicate = allowed.UsesMaskedColumnInPredicate };
    }

    /// <summary>
    /// Read-only as a policy means it (<see cref="StatementKind.Write"/> is everything else): the
    /// command changes nothing by itself, every function it calls by name is proven read-only, and
    /// no name it may call in functional notation (<c>t.f</c>, <c>(x).f</c>) is a function that may
    /// change something — a name no function has is only a field.
    /// </summary>
    public static bool IsProvenReadOnly(StatementInfo statement, MaskingCatalog? catalog)
    {
        if (!statement.ReadOnlyCommand)
        {
            return false;
        }

        // Loops, here and in the rule matching below: every statement is decided through them, and
        // closures over the statement were a good part of what a decision allocated.
        for (var i = 0; i < statement.Functions.Count; i++)
        {
            if (!IsFunctionalNotation(statement, statement.Functions[i]) && !ServerFunctions.IsReadOnly(statement.Functions[i], catalog))
            {
                return false;
            }
        }

        for (var i = 0; i < statement.FunctionalNotation.Count; i++)
        {
            if (MayCallWriter(statement.FunctionalNotation[i], catalog))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsFunctionalNotation(StatementInfo statement, string function)
    {
        for (var i = 0; i < statement.FunctionalNotation.Count; i++)
        {
            if (string.Equals(statement.FunctionalNotation[i], function, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    // t.f names column f of t, or calls f(t): a name no volatile function has is surely a column.
    private static bool MayCallWriter(string name, MaskingCatalog? catalog) => ServerFunctions.MayChange(name, catalog);

    /// <summary>Allowed, with the plan that masks its results (Action Mask when it carries masked columns).</summary>
    internal static Decision Masked(string rule, MaskingAnalysis analysis) => new()
    {
        Action = analysis.Masked.Count > 0 ? PolicyAction.Mask : PolicyAction.Allow,
        Rule = rule,
        MaskedColumns = analysis.Masked,
        Mask = analysis.Plan,
        UsesMaskedColumnInPredicate = analysis.UsesMaskedColumnInPredicate,
    };

    internal static Decision Hold(string rule, IReadOnlyList<string> approverGroups, string message) => new()
    {
        Action = PolicyAction.Hold, Rule = rule, ApproverGroups = approverGroups, SqlState = Decision.BlockedSqlState, Message = message,
    };

    // Its own method: a lambda over the loop's safe default in Decide would allocate a closure per
    // built-in rule tried, for every statement.
    private static bool Lifts(RuleOptions? firstMatch, SafeDefaults.SafeDefault safeDefault, StatementInfo statement) =>
        firstMatch is { Action: PolicyAction.Allow }
        && firstMatch.Overrides.Exists(name => name == safeDefault.Name || name == safeDefault.RuleName)
        && CoversEveryTriggeringFunction(firstMatch, safeDefault, statement);

    /// <summary>
    /// A rule that names functions lifts a built-in rule only for those functions: with
    /// <c>Functions: ["lo_get"]</c>, <c>SELECT lo_get(1), lo_export(1, '/tmp/x')</c> stays blocked.
    /// </summary>
    private static bool CoversEveryTriggeringFunction(RuleOptions rule, SafeDefaults.SafeDefault safeDefault, StatementInfo statement)
    {
        if (rule.Functions.Count == 0)
        {
            return true;
        }

        // Names in functional notation trigger built-in rules as calls do (SafeDefaults.CallsAny).
        var triggering = statement.Functions.Concat(statement.FunctionalNotation)
            .Where(f => safeDefault.Matches(statement with { Functions = [f], FunctionalNotation = [] }));
        return triggering.All(f => rule.Functions.Exists(named => SameObject(named, f)));
    }

    /// <summary>The first configured rule that matches: it decides, unless a built-in rule refuses first.</summary>
    private static RuleOptions? FirstMatch(PolicyOptions? policy, StatementInfo statement, SessionSubject subject, ConditionFacts facts)
    {
        var rules = policy?.Rules;
        for (var i = 0; i < (rules?.Count ?? 0); i++)
        {
            if (Matches(rules![i], statement, subject, facts))
            {
                return rules[i];
            }
        }

        return null;
    }

    public static bool Matches(RuleOptions rule, StatementInfo statement, SessionSubject subject, ConditionFacts? facts = null)
    {
        if (!MatchesCriteria(rule, statement, subject))
        {
            return false;
        }

        if (rule.Conditions.Count == 0)
        {
            return true;
        }

        foreach (var condition in rule.Conditions)
        {
            if (HoldConditions.Holds(condition, rule, statement, facts ?? ConditionFacts.None))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Every criterion of the rule but its <see cref="RuleOptions.Conditions"/>.</summary>
    public static bool MatchesCriteria(RuleOptions rule, StatementInfo statement, SessionSubject subject) =>
        (rule.Groups.Count == 0 || AnyShared(rule.Groups, subject.Groups))
        && (rule.Targets.Count == 0 || rule.Targets.Contains(subject.Target, StringComparer.Ordinal))
        && (rule.Kinds.Count == 0 || HasAnyKind(statement, rule.Kinds))
        && (rule.Relations.Count == 0 || AnySameObject(rule.Relations, statement.RelationsRead) || AnySameObject(rule.Relations, statement.RelationsWritten))
        && (rule.Functions.Count == 0 || AnySameObject(rule.Functions, statement.Functions) || AnySameObject(rule.Functions, statement.FunctionalNotation));

    private static bool AnyShared(List<string> configured, IReadOnlyList<string> groups)
    {
        foreach (var group in configured)
        {
            for (var i = 0; i < groups.Count; i++)
            {
                if (string.Equals(group, groups[i], StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool HasAnyKind(StatementInfo statement, List<StatementKind> kinds)
    {
        foreach (var kind in kinds)
        {
            if (statement.HasKind(kind))
            {
                return true;
            }
        }

        return false;
    }

    internal static bool AnySameObject(List<string> configured, IReadOnlyList<string> used)
    {
        foreach (var name in configured)
        {
            for (var i = 0; i < used.Count; i++)
            {
                if (SameObject(name, used[i]))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Names match when equal, or when one of them is unqualified and the last parts agree: an
    /// unqualified name in SQL may resolve to any schema on the search_path, so it is taken to
    /// mean the qualified one (fail closed).
    /// </summary>
    public static bool SameObject(string configured, string used)
    {
        if (string.Equals(configured, used, StringComparison.Ordinal))
        {
            return true;
        }

        var configuredQualified = configured.Contains('.', StringComparison.Ordinal);
        var usedQualified = used.Contains('.', StringComparison.Ordinal);
        return (!configuredQualified || !usedQualified)
               && string.Equals(SqlNames.Unqualified(configured), SqlNames.Unqualified(used), StringComparison.Ordinal);
    }

}
