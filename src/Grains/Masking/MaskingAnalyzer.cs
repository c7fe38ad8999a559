using OrleansGate.Grains.Catalog;
using OrleansGate.Grains.Masking.Lineage;
using OrleansGate.Grains.Policy;
using OrleansGate.Grains.Statements;

namespace OrleansGate.Grains.Masking;

/// <summary>What a statement does with masked columns, worked out from its parse tree and the target's catalog.</summary>
public sealed record MaskingAnalysis
{
    /// <summary>Masked columns the statement's results or writes carry, and why.</summary>
    public required IReadOnlyList<MaskedColumnUse> Masked { get; init; }

    /// <summary>Masked values flow into a new table, another row, a server file or session state (CREATE TABLE AS, INSERT … SELECT, set_config, …).</summary>
    public bool Launders { get; init; }

    /// <summary>The statement filters, sorts, groups or joins on a masked column (value inference).</summary>
    public bool UsesMaskedColumnInPredicate { get; init; }

    /// <summary>A COPY … TO STDOUT that carries masked columns.</summary>
    public bool CopiesMaskedColumns { get; init; }

    /// <summary>Result columns would be computed from masked values (not plain masked columns).</summary>
    public bool ComputesFromMaskedValues { get; init; }

    /// <summary>EXECUTE's parameters are not proven clean (a user function's result): they become the prepared statement's values.</summary>
    public bool ParametersNotClean { get; init; }

    public required MaskPlan Plan { get; init; }
}

/// <summary>
/// Decides what a statement's results may show, the other way round from matching names: every
/// column reference is resolved to its relation and attribute (<see cref="LineageResolver"/>), and
/// a result column goes out in clear only when it is proven clean — its value is an unmasked
/// column, or is computed only from unmasked columns, constants and the server's own functions.
/// A value that is exactly one masked column keeps that column's rule; everything else that
/// carries masked values, or that the gateway cannot see into, is redacted whole.
/// </summary>
public static class MaskingAnalyzer
{
    public static MaskingAnalysis Analyze(StatementInfo statement, MaskingCatalog catalog)
    {
        var index = CatalogIndex.For(catalog);
        // PREPARE and DECLARE are decided as what they hold (EXECUTE and FETCH run it); EXPLAIN
        // returns a plan, not rows, but EXPLAIN ANALYZE runs what it holds (a DECLARE's query too).
        // By the command, not the kind: EXPLAIN ANALYZE takes the kind of what it explains.
        var runs = statement;
        while (runs.Command is "PrepareStmt" or "DeclareCursorStmt" or "ExplainStmt" && runs.Inner is { } inner)
        {
            runs = inner;
        }

        var needed = NeedsResolution(runs, index);
        var lineage = runs.Query is { } query && needed ? LineageResolver.Resolve(query, index) : StatementLineage.Empty;
        var returnsRows = statement.Command != "ExplainStmt";
        // A statement that names what may hold masked values but has no shape to resolve (a kind of
        // statement the gateway does not read into): fail closed.
        var unread = needed && runs.Query is null && !runs.HasKind(StatementKind.Ddl) && runs.Copy == CopyEndpoint.None;
        // Errors and notices can quote any value of a row the statement touches ("Failing row
        // contains (…)", a key that already exists): withheld whenever it names such a relation.
        var touchesMaskedRelation = AnyMayHoldMaskedValues(runs.RelationsRead, index) || AnyMayHoldMaskedValues(runs.RelationsWritten, index);
        // A target whose policy masks nothing masks only the built-in columns, which the catalog
        // knows by origin: there only masked origins count. User code and names the gateway could
        // not resolve are not proven clean, but carry no masked value of the target's own.
        // (A static test with the flag passed along, not a local function: a delegate over it would
        // be a closure allocated for every statement.)
        var ownMasks = catalog.Rules.Count > BuiltInMasks.Rules.Count;

        var copiedTable = CopiedTable(statement, catalog);
        var copyRules = copiedTable is not null ? CopyColumnRules(statement, copiedTable, catalog) : [];
        var resultColumns = returnsRows ? ResultColumns(lineage, catalog, ownMasks) : [];
        var outputsClean = !returnsRows || (!unread && AllClean(lineage.Outputs, ownMasks));

        var masked = returnsRows ? MaskedUses(lineage, index, ownMasks) : [];
        if (copiedTable is not null)
        {
            masked.AddRange(CopiedMaskedUses(statement, copiedTable, copyRules));
        }

        if (catalog.Rules.Any(r => r.Column == MaskOptions.EveryTextColumn)
            && statement.Kinds.Any(k => k is StatementKind.Select or StatementKind.Execute or StatementKind.Fetch or StatementKind.CopyTo))
        {
            // Detectors look into every text column of every result.
            masked.Add(new MaskedColumnUse(MaskOptions.EveryTextColumn, MaskReason.Detector));
        }

        var copiesMasked = statement.Kind == StatementKind.CopyTo
                           && (copyRules.Any(r => r != MaskPlan.Clear) || (statement.CopyRelation is null && !outputsClean));
        // EXPLAIN ANALYZE runs what it explains and shows each step's time and each sort's memory:
        // over masked values, figures that depend on them, which the plan's rows do not mask.
        var explainRuns = statement.Command == "ExplainStmt" && statement.Kind != StatementKind.Explain;
        var predicate = !IsClean(lineage.Predicates, ownMasks) || (explainRuns && (lineage.Touched.MayCarryMasked || unread));
        // EXECUTE's arguments are expressions the server evaluates like a select list's: what they
        // become ($1, $2, …), what decides their rows or failure, and what they hand to functions
        // that keep values (set_config, pg_advisory_lock, …) all count.
        var arguments = statement.ParameterValues.Count == 0
            ? StatementLineage.Empty
            : LineageResolver.Resolve(new Statements.Shapes.QueryShape
            {
                Outputs = statement.ParameterValues.Select(v => new Statements.Shapes.OutputItem("$", v, null)).ToArray(),
            }, index);
        var parameters = arguments.AllOutputs.Union(arguments.Predicates);
        var writesOut = statement.CreatesTableFromQuery || (statement.Kind == StatementKind.CopyTo && statement.Copy != CopyEndpoint.Client);
        return new MaskingAnalysis
        {
            Masked = masked.Count == 0 ? [] : masked.DistinctBy(m => (m.Column, m.Reason)).ToArray(),
            Launders = !IsClean(lineage.Written, ownMasks) || !IsClean(lineage.Kept, ownMasks) || !IsClean(arguments.Kept, ownMasks) || (unread && Writes(runs))
                       || (writesOut && (!AllClean(lineage.Outputs, ownMasks) || copyRules.Any(r => r != MaskPlan.Clear))),
            UsesMaskedColumnInPredicate = predicate,
            CopiesMaskedColumns = copiesMasked,
            ComputesFromMaskedValues = resultColumns.Any(c => c.Rule == MaskPlan.Redacted),
            ParametersNotClean = !IsClean(parameters, ownMasks),
            Plan = new MaskPlan
            {
                CatalogVersion = catalog.Version,
                MaskDerived = !outputsClean,
                ResultColumns = resultColumns,
                CopyColumnRules = copyRules,
                ReadsMaskedValues = !IsClean(lineage.Touched, ownMasks) || lineage.Touched.Origins.Length > 0 || predicate || copiesMasked || unread
                                    || touchesMaskedRelation,
            },
        };
    }

    /// <summary>
    /// Whether anything in the statement could carry a masked value: a relation named like one
    /// that holds masked values, a call the gateway cannot see into (a user function or operator,
    /// a function the catalog does not list), or functional notation naming a user function.
    /// Most statements name none, and are clean without resolving a single reference.
    /// </summary>
    private static bool NeedsResolution(StatementInfo statement, CatalogIndex index)
    {
        if (index.HasUserOperators)
        {
            return true;
        }

        foreach (var relation in statement.RelationsRead)
        {
            if (index.MayHoldMaskedValues(relation))
            {
                return true;
            }
        }

        foreach (var relation in statement.RelationsWritten)
        {
            if (index.MayHoldMaskedValues(relation))
            {
                return true;
            }
        }

        foreach (var function in statement.Functions)
        {
            // A field name in functional notation ((x).f) is opaque only when a user function has it (below).
            if (index.IsOpaqueFunction(function) && !statement.FunctionalNotation.Contains(function, StringComparer.Ordinal))
            {
                return true;
            }
        }

        foreach (var name in statement.FunctionalNotation)
        {
            if (index.IsUserFunction(name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Proven clean. A target whose policy masks nothing masks only the built-in columns, which the
    /// catalog knows by origin: there only masked origins count (<paramref name="ownMasks"/> false).
    /// </summary>
    private static bool IsClean(Taint taint, bool ownMasks) => ownMasks ? taint.IsClean : taint.Origins.Length == 0;

    private static bool AllClean(IReadOnlyList<OutputSlot> outputs, bool ownMasks)
    {
        for (var i = 0; i < outputs.Count; i++)
        {
            if (!IsClean(outputs[i].Taint, ownMasks))
            {
                return false;
            }
        }

        return true;
    }

    private static bool AnyMayHoldMaskedValues(IReadOnlyList<string> relations, CatalogIndex index)
    {
        for (var i = 0; i < relations.Count; i++)
        {
            if (index.MayHoldMaskedValues(relations[i]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Each result column's rule: clear when proven clean, its own rule when it is a masked column unchanged, else redacted.</summary>
    private static ResultColumn[] ResultColumns(StatementLineage lineage, MaskingCatalog catalog, bool ownMasks) =>
        lineage.Outputs.Count == 0 ? [] : lineage.Outputs.Select(o => new ResultColumn(
            IsClean(o.Taint, ownMasks) ? MaskPlan.Clear
            : o.Taint.Exact >= 0 && o.Taint.Sources == Lineage.TaintSources.None ? catalog.Origins[o.Taint.Exact].Rule
            : MaskPlan.Redacted,
            o.IsRun)).ToArray();

    /// <summary>For the record: the masked columns the results carry, and why.</summary>
    private static List<MaskedColumnUse> MaskedUses(StatementLineage lineage, CatalogIndex index, bool ownMasks)
    {
        var uses = new List<MaskedColumnUse>();
        foreach (var output in lineage.Outputs)
        {
            var taint = output.Taint;
            if (IsClean(taint, ownMasks))
            {
                continue;
            }

            if (taint.Exact >= 0 && taint.Sources == Lineage.TaintSources.None)
            {
                uses.Add(new MaskedColumnUse(index.OriginName(taint.Exact), MaskReason.Origin));
                continue;
            }

            var reason = (taint.Sources & Lineage.TaintSources.WholeRow) != 0 ? MaskReason.WholeRow : MaskReason.Derived;
            uses.AddRange(taint.Origins.Select(o => new MaskedColumnUse(index.OriginName(o), reason)));
            uses.AddRange(taint.Functions.Select(f => new MaskedColumnUse(f.StartsWith("operator ", StringComparison.Ordinal) ? f : f + "()", MaskReason.Function)));
            if ((taint.Sources & Lineage.TaintSources.Unresolved) != 0)
            {
                uses.Add(new MaskedColumnUse(output.Name, MaskReason.Unresolved));
            }
        }

        return uses;
    }

    /// <summary>
    /// Statements whose results land in a table, a server file or session state rather than with
    /// the client: a value kept by a function below is read back later by a statement that names
    /// no masked column (SELECT current_setting('x'), LISTEN, a sequence's last_value, pg_locks).
    /// </summary>
    public static bool Writes(StatementInfo statement) =>
        statement.Kinds.Any(k => k is StatementKind.Insert or StatementKind.Update or StatementKind.Merge)
        || statement.CreatesTableFromQuery || statement.HasDataModifyingCte
        || (statement.Kind == StatementKind.CopyTo && statement.Copy != CopyEndpoint.Client);

    // The lambdas over the statement live in these methods, not in Analyze: there a closure over
    // its parameters would be allocated for every statement, COPY or not.
    private static MaskedRelation? CopiedTable(StatementInfo statement, MaskingCatalog catalog) =>
        statement.Kind == StatementKind.CopyTo && statement.CopyRelation is { } copied
            ? catalog.Relations.FirstOrDefault(r => PolicyEngine.SameObject(r.Schema + "." + r.Name, copied))
            : null;

    private static IEnumerable<MaskedColumnUse> CopiedMaskedUses(StatementInfo statement, MaskedRelation copiedTable, int[] copyRules) =>
        copyRules.Select((rule, i) => (rule, i)).Where(p => p.rule != MaskPlan.Clear)
            .Select(p => new MaskedColumnUse($"{copiedTable.Schema}.{copiedTable.Name}.{CopiedColumn(statement, copiedTable, p.i)}", MaskReason.Origin));

    // COPY customers [(a, b)] TO STDOUT: the rule of each copied column, in the order COPY writes them.
    private static int[] CopyColumnRules(StatementInfo statement, MaskedRelation relation, MaskingCatalog catalog)
    {
        var columns = statement.CopyColumns.Count > 0 ? statement.CopyColumns : relation.Columns;
        return columns.Select(column =>
        {
            var index = IndexOf(relation.Columns, column);
            var attribute = index >= 0 ? relation.AttributeNumbers[index] : (short)0;
            // A column COPY names that the catalog does not know (fail closed): redacted.
            return index < 0 ? MaskPlan.Redacted
                : catalog.Origins.FirstOrDefault(o => o.TableOid == relation.Oid && o.AttributeNumber == attribute)?.Rule ?? MaskPlan.Clear;
        }).ToArray();
    }

    private static string CopiedColumn(StatementInfo statement, MaskedRelation relation, int position) =>
        statement.CopyColumns.Count > 0 ? statement.CopyColumns[position] : relation.Columns[position];

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
}
