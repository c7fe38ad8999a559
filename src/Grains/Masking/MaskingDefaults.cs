using OrleansGate.Grains.Catalog;
using OrleansGate.Grains.Policy;
using OrleansGate.Grains.Statements;

namespace OrleansGate.Grains.Masking;

/// <summary>
/// What a statement may not do with masked columns, under every policy that masks: move them
/// into another table or a file, COPY them out unapproved, or run while the catalog that says
/// where they are is unknown, or read the planner's statistics (sample values of every column). An Allow rule lifts the first two by naming them in
/// <see cref="RuleOptions.Overrides"/>; the policy's <see cref="PolicyOptions.MaskedPredicates"/>
/// and <see cref="PolicyOptions.DerivedColumns"/> turn inference and computed values into refusals.
/// </summary>
public static class MaskingDefaults
{
    /// <summary>CREATE TABLE AS, SELECT INTO, INSERT … SELECT, UPDATE … FROM, COPY TO a file, set_config, pg_notify … with masked values.</summary>
    public const string Laundering = "masked-laundering";

    /// <summary>COPY … TO STDOUT of masked columns (held for approval).</summary>
    public const string CopyOut = "masked-copy-out";

    /// <summary>The names an Allow rule can list in Overrides.</summary>
    public static IReadOnlyList<string> Liftable { get; } = [Laundering, CopyOut];

    /// <summary>SQLSTATE 55000: the statement cannot run until the gateway can read the target's catalog.</summary>
    public const string CatalogUnavailableSqlState = "55000";

    /// <summary>A refusal or hold, or null when the statement may run (masked).</summary>
    /// <param name="analysis">The statement's analysis against <paramref name="catalog"/>; null exactly when the catalog has an Error.</param>
    public static Decision? Decide(StatementInfo statement, MaskingCatalog catalog, MaskingAnalysis? analysis, PolicyOptions policy,
        RuleOptions? firstMatch)
    {
        if (catalog.Error is { } error)
        {
            return ReachesData(statement)
                ? Decision.Block("masking:catalog-unavailable",
                    $"statement refused: the gateway cannot tell which columns to mask on this target ({error})", CatalogUnavailableSqlState)
                : null;
        }

        if (statement.RelationsRead.Any(r => ColumnStatistics.Contains(SqlNames.Unqualified(r))) && MasksBeyondBuiltIns(catalog))
        {
            return Decision.Block("masking:statistics",
                "blocked by rule 'masking:statistics': the planner's statistics hold sample values of columns, masked ones included");
        }

        ArgumentNullException.ThrowIfNull(analysis);
        if (analysis.ParametersNotClean)
        {
            return Decision.Block("masking:execute-parameters",
                "blocked by rule 'masking:execute-parameters': EXECUTE's parameters carry values the gateway cannot prove clean (masked values, or results of functions it cannot see into)");
        }

        if (analysis.Launders && !Lifted(firstMatch, Laundering))
        {
            return Decision.Block("masking:laundering",
                $"blocked by rule 'masking:laundering': the statement would copy masked values ({Columns(analysis)}) into a table, a file or session state");
        }

        if (analysis.CopiesMaskedColumns && IsBinaryCopy(statement))
        {
            return Decision.Block("masking:binary-copy",
                $"blocked by rule 'masking:binary-copy': binary COPY cannot be masked ({Columns(analysis)}); use text or CSV format");
        }

        if (analysis.CopiesMaskedColumns && !Lifted(firstMatch, CopyOut))
        {
            return PolicyEngine.Hold("masking:copy-out", policy.ApproverGroups,
                $"COPY of masked columns ({Columns(analysis)}) is held for approval by rule 'masking:copy-out'");
        }

        if (analysis.UsesMaskedColumnInPredicate && policy.MaskedPredicates == MaskedPredicateAction.Block)
        {
            return Decision.Block("masking:predicate",
                "blocked by rule 'masking:predicate': which rows the statement returns, how many, in what order, or whether it fails or how long it takes would depend on a masked value "
                + "(it filters, sorts, groups, joins or compares rows on one, passes one to a function that may return rows, "
                + "computes on one with a step that does not accept every value: arithmetic, a cast to anything but text, LIKE, a function not known to, "
                + "or lets one decide whether such a step runs: CASE, COALESCE, AND/OR, FILTER)");
        }

        if (analysis.ComputesFromMaskedValues && policy.DerivedColumns == DerivedColumnAction.Block)
        {
            return Decision.Block("masking:derived",
                $"blocked by rule 'masking:derived': the statement computes results from masked values ({Columns(analysis)})");
        }

        return null;
    }

    // Most common values and histogram bounds per column (ANALYZE fills them), readable by the table's owner.
    private static readonly HashSet<string> ColumnStatistics = new(StringComparer.Ordinal)
    {
        "pg_statistic", "pg_stats", "pg_statistic_ext_data", "pg_stats_ext", "pg_stats_ext_exprs",
    };

    private static bool Lifted(RuleOptions? firstMatch, string name) =>
        firstMatch is { Action: PolicyAction.Allow or PolicyAction.Mask } && firstMatch.Overrides.Contains(name, StringComparer.Ordinal);

    // A method of its own: a lambda over the catalog in Decide would allocate its closure on every call.
    private static bool MasksBeyondBuiltIns(MaskingCatalog catalog) => catalog.Origins.Any(o => !BuiltInMasks.Covers(catalog, o));

    private static bool IsBinaryCopy(StatementInfo statement) =>
        statement.CopyOptions.Any(o => o.Name == "format" && string.Equals(o.Value, "binary", StringComparison.OrdinalIgnoreCase));

    private static string Columns(MaskingAnalysis analysis) => string.Join(", ", analysis.Masked.Select(m => m.Column).Distinct());

    // Without a catalog the gateway cannot tell masked results from others. It still lets through
    // what cannot carry table data: transaction control, settings, and reads of the system catalogs
    // only (drivers read pg_type when they connect).
    private static bool ReachesData(StatementInfo statement)
    {
        var relations = statement.RelationsRead.Concat(statement.RelationsWritten).ToArray();
        if (relations.Length > 0)
        {
            return !relations.All(IsSystemCatalog);
        }

        return statement.Functions.Count > 0
               || statement.Kinds.Any(k => k is StatementKind.Execute or StatementKind.Fetch or StatementKind.CopyTo or StatementKind.Unparseable);
    }

    private static bool IsSystemCatalog(string relation) =>
        relation.StartsWith("pg_catalog.", StringComparison.Ordinal) || relation.StartsWith("information_schema.", StringComparison.Ordinal)
        || (!relation.Contains('.', StringComparison.Ordinal) && relation.StartsWith("pg_", StringComparison.Ordinal));
}
