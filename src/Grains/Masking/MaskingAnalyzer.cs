using OrleansGate.Grains.Catalog;
using OrleansGate.Grains.Policy;
using OrleansGate.Grains.Statements;

namespace OrleansGate.Grains.Masking;

/// <summary>What a statement does with masked columns, worked out from its parse tree and the target's catalog.</summary>
public sealed record MaskingAnalysis
{
    /// <summary>Masked columns the statement's results or writes carry, and why.</summary>
    public required IReadOnlyList<MaskedColumnUse> Masked { get; init; }

    /// <summary>Masked values flow into a new table, another row or a server file (CREATE TABLE AS, INSERT … SELECT, …).</summary>
    public bool Launders { get; init; }

    /// <summary>The statement filters, sorts, groups or joins on a masked column (value inference).</summary>
    public bool UsesMaskedColumnInPredicate { get; init; }

    /// <summary>A COPY … TO STDOUT that carries masked columns.</summary>
    public bool CopiesMaskedColumns { get; init; }

    /// <summary>Result columns would be computed from masked values (not plain masked columns).</summary>
    public bool ComputesFromMaskedValues { get; init; }

    public required MaskPlan Plan { get; init; }
}

/// <summary>
/// Matches a statement's column and relation names against the catalog's masked columns. Names
/// are matched the way <see cref="PolicyEngine.SameObject"/> matches them: an unqualified name may
/// be any schema's (fail closed). This decides what a statement is allowed to do with masked
/// values; the masking itself also goes by each result column's origin, whatever the names say.
/// </summary>
public static class MaskingAnalyzer
{
    public static MaskingAnalysis Analyze(StatementInfo statement, MaskingCatalog catalog)
    {
        var used = statement.RelationsRead.Concat(statement.RelationsWritten).ToArray();
        var relations = catalog.Relations.Where(r => used.Any(u => PolicyEngine.SameObject(r.Schema + "." + r.Name, u))).ToArray();
        var inScope = catalog.Origins.Where(o => relations.Any(r => RelationOf(o.Name) == r.Schema + "." + r.Name)).ToArray();

        var valueHits = Hits(inScope, statement.ValueColumns);
        var returnedHits = Hits(inScope, statement.Columns.Except(statement.ValueColumns).Except(statement.PredicateColumns));
        var wholeRow = statement.WholeRowInValue && inScope.Length > 0;
        var function = statement.Functions.FirstOrDefault(f => catalog.UserFunctions.Any(u => PolicyEngine.SameObject(u, f)));

        var masked = new List<MaskedColumnUse>();
        foreach (var origin in valueHits.Concat(returnedHits).Distinct())
        {
            var direct = statement.PlainColumnsOnly && !origin.Derived;
            var reason = catalog.RuleFor(origin).Detectors.Count > 0 ? MaskReason.Detector
                : direct ? MaskReason.Origin
                : MaskReason.Derived;
            masked.Add(new MaskedColumnUse(origin.Name, reason));
        }

        if (catalog.Rules.Any(r => r.Column == MaskOptions.EveryTextColumn)
            && statement.Kinds.Any(k => k is StatementKind.Select or StatementKind.Execute or StatementKind.Fetch or StatementKind.CopyTo))
        {
            // Detectors look into every text column of every result.
            masked.Add(new MaskedColumnUse(MaskOptions.EveryTextColumn, MaskReason.Detector));
        }

        if (wholeRow)
        {
            masked.AddRange(inScope.Where(o => masked.TrueForAll(m => m.Column != o.Name)).Select(o => new MaskedColumnUse(o.Name, MaskReason.WholeRow)));
        }

        if (function is not null)
        {
            masked.Add(new MaskedColumnUse(function + "()", MaskReason.Function));
        }

        var touchesValues = valueHits.Count > 0 || wholeRow || function is not null;
        var outputs = touchesValues || returnedHits.Count > 0;
        var rules = valueHits.Concat(returnedHits).Select(o => o.Rule).Distinct().ToArray();
        // COPY customers TO STDOUT names no column, yet carries them all.
        var copiedTable = statement.CopyRelation is { } copied
            ? relations.FirstOrDefault(r => PolicyEngine.SameObject(r.Schema + "." + r.Name, copied))
            : null;
        var copy = statement.Kind == StatementKind.CopyTo && (copiedTable is not null || touchesValues || (statement.CopyRelation is null && outputs));

        var predicate = Hits(inScope, statement.PredicateColumns).Count > 0 || (statement.WholeRowInPredicate && inScope.Length > 0);
        return new MaskingAnalysis
        {
            Masked = masked,
            Launders = Writes(statement) && touchesValues,
            UsesMaskedColumnInPredicate = predicate,
            CopiesMaskedColumns = copy,
            ComputesFromMaskedValues = outputs && (!statement.PlainColumnsOnly || function is not null),
            Plan = new MaskPlan
            {
                CatalogVersion = catalog.Version,
                MaskDerived = outputs,
                DerivedRule = rules.Length == 1 ? rules[0] : -1,
                MaskEveryColumn = copy && copiedTable is null,
                CopyColumnRules = copiedTable is not null ? CopyColumnRules(statement, copiedTable, inScope) : [],
                ReadsMaskedValues = masked.Count > 0 || predicate || copy,
            },
        };
    }

    /// <summary>
    /// Statements whose results land in a table, a server file or session state rather than with
    /// the client: a value kept by a function below is read back later by a statement that names
    /// no masked column (SELECT current_setting('x'), LISTEN, a sequence's last_value, pg_locks).
    /// </summary>
    public static bool Writes(StatementInfo statement) =>
        statement.Kinds.Any(k => k is StatementKind.Insert or StatementKind.Update or StatementKind.Merge)
        || statement.CreatesTableFromQuery || statement.HasDataModifyingCte
        || (statement.Kind == StatementKind.CopyTo && statement.Copy != CopyEndpoint.Client)
        || statement.Functions.Any(f => KeepsValue(SqlNames.Unqualified(f)));

    private static bool KeepsValue(string function) =>
        function is "set_config" or "pg_notify" or "setval" or "pg_logical_emit_message"
        || function.StartsWith("pg_advisory_", StringComparison.Ordinal) || function.StartsWith("pg_try_advisory_", StringComparison.Ordinal);

    // COPY customers [(a, b)] TO STDOUT: the rule of each copied column, in the order COPY writes them.
    private static int[] CopyColumnRules(StatementInfo statement, MaskedRelation relation, MaskedOrigin[] inScope)
    {
        var columns = statement.CopyColumns.Count > 0 ? statement.CopyColumns : relation.Columns;
        return columns.Select(column =>
        {
            var index = IndexOf(relation.Columns, column);
            var attribute = index >= 0 ? relation.AttributeNumbers[index] : (short)0;
            return inScope.FirstOrDefault(o => o.TableOid == relation.Oid && o.AttributeNumber == attribute)?.Rule ?? MaskPlan.Clear;
        }).ToArray();
    }

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] == value)
            {
                return i;
            }
        }

        return -1;
    }

    private static List<MaskedOrigin> Hits(IEnumerable<MaskedOrigin> origins, IEnumerable<string> columnRefs)
    {
        var names = columnRefs.Select(SqlNames.Unqualified).ToHashSet(StringComparer.Ordinal);
        return origins.Where(o => names.Contains(SqlNames.Unqualified(o.Name))).ToList();
    }

    private static string RelationOf(string column) => column[..Math.Max(0, column.LastIndexOf('.'))];
}
