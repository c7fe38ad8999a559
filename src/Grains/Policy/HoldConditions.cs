using OrleansGate.Grains.Statements;

namespace OrleansGate.Grains.Policy;

/// <summary>The built-in conditions a rule can require (<see cref="RuleOptions.Conditions"/>).</summary>
public static class HoldConditions
{
    public static bool Holds(HoldCondition condition, RuleOptions rule, StatementInfo statement, ConditionFacts facts) => condition switch
    {
        HoldCondition.UnboundedWrite => statement.UnboundedWrite,
        HoldCondition.ProductionDdl => facts.ProductionTarget && statement.HasKind(StatementKind.Ddl),
        HoldCondition.BulkRead => ReadsRuleRelations(rule, statement)
                                  && (rule.BulkReadRows is { } threshold
                                      ? facts.EstimatedRows is not { } rows || rows > threshold // no estimate: bulk (fail closed)
                                      : !statement.HasLimit),
        _ => false,
    };

    /// <summary>
    /// A SELECT the planner could estimate for a bulk-read threshold of some rule that matches it
    /// otherwise: only then does the session ask the target for an estimate.
    /// </summary>
    /// <remarks>A statement a built-in rule blocks is never sent, not even to be planned.</remarks>
    /// <remarks>
    /// Asked for every statement, so loops and the cheap test first: most policies have no
    /// bulk-read rule, and then no built-in rule needs to be tried here.
    /// </remarks>
    public static bool WantsEstimate(StatementInfo statement, SessionSubject subject, PolicyOptions? policy)
    {
        if (policy is null || !AnyBulkReadRuleMatches(statement, subject, policy))
        {
            return false;
        }

        foreach (var safeDefault in SafeDefaults.All)
        {
            if (safeDefault.Matches(statement))
            {
                return false;
            }
        }

        return true;
    }

    private static bool AnyBulkReadRuleMatches(StatementInfo statement, SessionSubject subject, PolicyOptions policy)
    {
        foreach (var rule in policy.Rules)
        {
            if (rule.BulkReadRows is not null && rule.Conditions.Contains(HoldCondition.BulkRead)
                && ReadsRuleRelations(rule, statement) && PolicyEngine.MatchesCriteria(rule, statement, subject))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A plain SELECT (nothing written, no table created) that reads one of the rule's relations, or any when it lists none.</summary>
    public static bool IsPlainSelect(StatementInfo statement) =>
        statement.Kind == StatementKind.Select && statement.Kinds.Count == 1 && !statement.CreatesTableFromQuery && !statement.HasDataModifyingCte;

    private static bool ReadsRuleRelations(RuleOptions rule, StatementInfo statement) =>
        IsPlainSelect(statement)
        && (rule.Relations.Count == 0
            ? statement.RelationsRead.Count > 0
            : PolicyEngine.AnySameObject(rule.Relations, statement.RelationsRead));
}
