using OrleansGate.Grains.Statements;
using OrleansGate.Grains.Statements.Shapes;

namespace OrleansGate.Grains.Masking.Lineage;

/// <summary>
/// Resolves every name of a statement's <see cref="QueryShape"/> the way PostgreSQL's parse
/// analysis does — range-table entries with their alias column lists, joins and join aliases,
/// subqueries, CTEs (recursive ones to a fixed point), set operations, LATERAL, stars, whole-row
/// references and functional notation — and works out what each value carries from masked
/// columns. What it cannot resolve is taken to carry anything (fail closed).
/// </summary>
internal sealed partial class LineageResolver
{
    /// <summary>Rounds of a recursive CTE before its columns are given up as unresolved (they only grow, so few are needed).</summary>
    private const int MaxRecursionRounds = 16;

    private readonly CatalogIndex _catalog;
    private Taint _predicates = Taint.Clean;
    private Taint _written = Taint.Clean;
    private Taint _kept = Taint.Clean;
    private Taint _touched = Taint.Clean;
    private bool _locks;

    private LineageResolver(CatalogIndex catalog) => _catalog = catalog;

    public static StatementLineage Resolve(QueryShape query, CatalogIndex catalog)
    {
        var resolver = new LineageResolver(catalog);
        var level = resolver.Query(query, outer: null, ctes: null);
        foreach (var output in level.Outputs)
        {
            resolver.Touch(output.Taint);
        }

        return new StatementLineage
        {
            Outputs = level.Outputs,
            Predicates = resolver._predicates,
            Written = resolver._written,
            Kept = resolver._kept,
            Touched = resolver._touched,
            LocksRows = resolver._locks,
        };
    }

    /// <summary>One query level's result columns.</summary>
    private sealed record Level(IReadOnlyList<OutputSlot> Outputs);

    private Level Query(QueryShape query, QueryScope? outer, CteFrame? ctes)
    {
        ctes = With(query, outer, ctes);
        _locks |= query.LocksRows;
        if (query.SetOperation is { } setOperation)
        {
            var left = Query(setOperation.Left, outer, ctes);
            var right = Query(setOperation.Right, outer, ctes);
            var outputs = SetOperationOutputs(left.Outputs, right.Outputs);
            if (setOperation.ComparesRows)
            {
                // 'x' EXCEPT SELECT ssn … returns a row only when no ssn is 'x'.
                Predicate(AllOf(outputs));
            }

            var scope = new QueryScope(outer, ctes);
            Filter(query, scope, outputs);
            return new Level(outputs);
        }

        if (query.ValuesRows.Count > 0)
        {
            var scope = new QueryScope(outer, ctes);
            var width = query.ValuesRows.Max(r => r.Count);
            var columns = new OutputSlot[width];
            for (var i = 0; i < width; i++)
            {
                var taint = Taint.Clean;
                foreach (var row in query.ValuesRows)
                {
                    taint = i < row.Count ? taint.Either(Value(row[i], scope)) : taint;
                }

                columns[i] = new OutputSlot($"column{i + 1}", taint, false);
            }

            Filter(query, scope, columns);
            return new Level(columns);
        }

        var level = new QueryScope(outer, ctes);
        foreach (var item in query.From)
        {
            level.Items.AddRange(From(item, level));
        }

        var results = Outputs(query.Outputs, level);
        Filter(query, level, results);
        foreach (var written in query.Written)
        {
            _written = _written.Union(Value(written, level));
        }

        if (query.InsertSource is { } source)
        {
            // INSERT … SELECT: the source does not see the written relation, only the statement's CTEs.
            var inserted = Query(source, outer, ctes);
            _written = inserted.Outputs.Aggregate(_written, (all, o) => all.Union(o.Taint));
        }

        return new Level(results);
    }

    /// <summary>WHERE, HAVING, GROUP BY, ORDER BY, windows, LIMIT: what decides which rows come back.</summary>
    private void Filter(QueryShape query, QueryScope scope, IReadOnlyList<OutputSlot> outputs)
    {
        foreach (var filter in query.Filters)
        {
            Predicate(Value(filter, scope));
        }

        foreach (var item in query.SortOrGroup)
        {
            // ORDER BY s may name a result column (its alias) as well as an input column.
            var named = item is ColumnValue { Names.Count: 1, Star: false } bare
                ? outputs.Where(o => !o.IsRun && o.Name == bare.Names[0]).Select(o => o.Taint).ToArray()
                : [];
            var input = named.Length > 0 ? Bare(((ColumnValue)item).Names[0], scope) ?? Taint.Clean : Value(item, scope);
            Predicate(named.Aggregate(input, (all, t) => all.Union(t)));
        }

        foreach (var position in query.SortOrGroupPositions)
        {
            // 0: plain DISTINCT, which compares every result column.
            foreach (var output in position == 0 ? outputs : outputs.Skip(position - 1).Take(1))
            {
                Predicate(output.Taint);
            }

            if (position > outputs.Count || outputs.Any(o => o.IsRun))
            {
                // A run before the position hides which column it is.
                Predicate(AllOf(outputs));
            }
        }
    }

    /// <summary>What any of the columns carries.</summary>
    private static Taint AllOf(IEnumerable<OutputSlot> outputs) => outputs.Aggregate(Taint.Clean, (all, o) => all.Union(o.Taint));

    private static IReadOnlyList<OutputSlot> SetOperationOutputs(IReadOnlyList<OutputSlot> left, IReadOnlyList<OutputSlot> right)
    {
        if (left.Count == right.Count && !left.Any(o => o.IsRun) && !right.Any(o => o.IsRun))
        {
            return left.Select((l, i) => l with { Taint = l.Taint.Either(right[i].Taint) }).ToArray();
        }

        // Columns pair by position, which a run hides: every column may be any of them.
        return [new OutputSlot(ColumnNamesUnknown, AllOf(left.Concat(right)), true)];
    }

    private const string ColumnNamesUnknown = "?column?";

    private void Predicate(Taint taint)
    {
        _predicates = _predicates.Union(taint);
        Touch(taint);
    }

    private Taint Touch(Taint taint)
    {
        if (!taint.IsClean || taint.Origins.Length > 0)
        {
            _touched = _touched.Union(taint);
            if (taint.MayFail && taint.MayCarryMasked)
            {
                // Whether the statement fails would depend on a masked value: 1/(ascii(ssn) - 49)
                // answers an error or a row, a bit of ssn either way, as a filter on it would.
                // (A user function's result alone does not count: what it reads is the limit of
                // what the gateway sees, and its result is masked.)
                _predicates = _predicates.Union(taint);
            }
        }

        return taint;
    }

    /// <summary>Functions that keep a value where a later statement can read it without naming any masked column.</summary>
    private static bool KeepsValue(string function)
    {
        var name = SqlNames.Unqualified(function);
        return name is "set_config" or "pg_notify" or "setval" or "pg_logical_emit_message"
               || name.StartsWith("pg_advisory_", StringComparison.Ordinal) || name.StartsWith("pg_try_advisory_", StringComparison.Ordinal);
    }
}
