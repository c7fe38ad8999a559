using OrleansGate.Grains.Statements.Shapes;

namespace OrleansGate.Grains.Masking.Lineage;

/// <summary>FROM items and WITH: what each range-table entry is called and what its columns carry.</summary>
internal sealed partial class LineageResolver
{
    /// <summary>The items one FROM entry puts in scope (a join: itself and, unless aliased, its members by name).</summary>
    private IEnumerable<ScopeItem> From(FromItem item, QueryScope level)
    {
        switch (item)
        {
            case RelationItem relation:
                return [new ScopeItem(Relation(relation, level.Ctes), true, true)];

            case SubqueryItem subquery:
                // Without LATERAL a subquery in FROM sees the enclosing levels, not its siblings.
                var scope = subquery.Lateral ? level.SoFar() : level.Outer;
                var result = Query(subquery.Query, scope, level.Ctes);
                return [new ScopeItem(FromOutputs(subquery.Alias, result.Outputs).Renamed(subquery.Alias, subquery.AliasColumns), true, true)];

            case FunctionItem function:
                return [new ScopeItem(Function(function, level.SoFar()), true, true)];

            case JoinItem join:
                return Join(join, level);

            default:
                return [new ScopeItem(new RangeEntry(item.Alias, [], true, Taint.Unresolved), true, true)];
        }
    }

    private RangeEntry Relation(RelationItem relation, CteFrame? ctes)
    {
        var name = relation.Alias ?? relation.Name;
        if (relation.Schema is null && ctes?.Find(relation.Name) is { } cte)
        {
            return cte.Renamed(name, relation.AliasColumns);
        }

        var candidates = _catalog.RelationsNamed(relation.Schema, relation.Name);
        if (candidates.Count == 0)
        {
            return RangeEntry.Unknown(name, relation.AliasColumns);
        }

        // An unqualified name may be any of them (search_path): a column carries what the column
        // at its position carries in any of them, and any of their names for it finds it.
        var width = candidates.Max(c => c.Columns.Length);
        var columns = new ColumnSlot[width];
        for (var i = 0; i < width; i++)
        {
            var at = candidates.Where(c => i < c.Columns.Length).ToArray();
            var taint = at.Skip(1).Aggregate(at[0].Columns[i], (t, c) => t.Either(c.Columns[i]));
            var names = at.Select(c => c.Relation.Columns[i]).Distinct(StringComparer.Ordinal).ToArray();
            columns[i] = new ColumnSlot(names[0], taint, names.Length > 1 ? names[1..] : null);
        }

        return new RangeEntry(relation.Name, columns, false, Taint.Clean).Renamed(name, relation.AliasColumns);
    }

    /// <summary>A subquery's or CTE's result columns as a FROM item's.</summary>
    private static RangeEntry FromOutputs(string? name, IReadOnlyList<OutputSlot> outputs)
    {
        var runs = outputs.Where(o => o.IsRun).ToArray();
        if (runs.Length == 0)
        {
            return new RangeEntry(name, outputs.Select(o => new ColumnSlot(o.Name, o.Taint)).ToArray(), false, Taint.Clean);
        }

        // Columns after a run have unknown positions: their names still find them, but an alias
        // list cannot be laid over them (Renamed gives alias names the runs' taint).
        var more = runs.Aggregate(Taint.Clean, (t, r) => t.Union(r.Taint));
        var known = outputs.Where(o => !o.IsRun).Select(o => new ColumnSlot(o.Name, o.Taint)).ToArray();
        return new RangeEntry(name, known, true, known.Aggregate(more, (t, c) => t.Union(c.Taint)));
    }

    // f(x) AS t(a, b), ROWS FROM (…), XMLTABLE: every column is computed by the calls.
    private RangeEntry Function(FunctionItem function, QueryScope scope)
    {
        var arguments = function.Calls.Aggregate(Taint.Clean, (t, call) => t.Union(Value(call, scope)));
        // How many rows a function in FROM returns is decided by its arguments, as a filter decides
        // it: count(*) over generate_series(1, ascii(ssn)) is ssn's first character code.
        Predicate(arguments);
        var taint = arguments.Computed();
        var names = function.DefinedColumns.Count > 0 ? function.DefinedColumns : function.AliasColumns;
        var columns = names.Select(n => new ColumnSlot(n, taint)).ToList();
        if (function.DefinedColumns.Count > 0 && function.AliasColumns.Count > 0)
        {
            columns.AddRange(function.AliasColumns.Select(n => new ColumnSlot(n, taint)));
        }

        // A function returning a scalar has one column, named after the alias or the function.
        var single = function.Alias ?? function.FunctionName;
        if (names.Count == 0 && single is not null)
        {
            columns.Add(new ColumnSlot(single, taint));
        }

        if (function.Ordinality)
        {
            columns.Add(new ColumnSlot("ordinality", Taint.Clean));
        }

        return new RangeEntry(function.Alias ?? function.FunctionName, columns, function.DefinedColumns.Count == 0, taint);
    }

    private List<ScopeItem> Join(JoinItem join, QueryScope level)
    {
        var left = From(join.Left, level).ToList();
        // The right side sees the left one (LATERAL on the right of a JOIN).
        var rightScope = level.SoFar();
        rightScope.Items.AddRange(left);
        var right = From(join.Right, rightScope).ToList();

        var onScope = level.SoFar();
        onScope.Items.AddRange(left);
        onScope.Items.AddRange(right);
        if (join.Condition is { } condition)
        {
            Predicate(Value(condition, onScope));
        }

        var leftColumns = ColumnsOf(left);
        var rightColumns = ColumnsOf(right);
        var merged = join.Natural
            ? leftColumns.Columns.Select(c => c.Name).Intersect(rightColumns.Columns.Select(c => c.Name), StringComparer.Ordinal).ToArray()
            : join.Using.ToArray();
        var columns = new List<ColumnSlot>();
        foreach (var name in merged)
        {
            var l = leftColumns.Column(name) ?? leftColumns.MoreTaint;
            var r = rightColumns.Column(name) ?? rightColumns.MoreTaint;
            // Joining on a column compares it: the rows that come back depend on its values.
            Predicate(l.Union(r));
            columns.Add(new ColumnSlot(name, l.Either(r)));
        }

        columns.AddRange(leftColumns.Columns.Where(c => !merged.Contains(c.Name, StringComparer.Ordinal)));
        columns.AddRange(rightColumns.Columns.Where(c => !merged.Contains(c.Name, StringComparer.Ordinal)));
        var more = leftColumns.MoreColumns || rightColumns.MoreColumns;
        var entry = new RangeEntry(join.Alias, columns, more, leftColumns.MoreTaint.Union(rightColumns.MoreTaint));
        if (join.Natural && more)
        {
            // A NATURAL join over columns the gateway does not know compares who knows what.
            Predicate(entry.WholeRow());
        }

        if (join.Alias is not null)
        {
            // (a JOIN b) AS j: only j is visible, its columns renamed by j's column list.
            return [new ScopeItem(entry.Renamed(join.Alias, join.AliasColumns), true, true)];
        }

        var items = new List<ScopeItem> { new(entry, false, true) };
        items.AddRange(left.Concat(right).Select(i => i with { ColumnsVisible = false }));
        if (join.UsingAlias is { } usingAlias)
        {
            items.Add(new ScopeItem(new RangeEntry(usingAlias, columns.Take(merged.Length).ToArray(), false, Taint.Clean), true, false));
        }

        return items;
    }

    /// <summary>The columns a list of scope items offers by name, in order, as one entry.</summary>
    private static RangeEntry ColumnsOf(List<ScopeItem> items)
    {
        var visible = items.Where(i => i.ColumnsVisible).Select(i => i.Entry).ToArray();
        var more = visible.Any(e => e.MoreColumns);
        return new RangeEntry(null, visible.SelectMany(e => e.Columns).ToArray(), more,
            visible.Where(e => e.MoreColumns).Aggregate(Taint.Clean, (t, e) => t.Union(e.MoreTaint)));
    }

    /// <summary>WITH: each CTE resolved in order; a recursive one until its columns stop changing.</summary>
    private CteFrame? With(QueryShape query, QueryScope? outer, CteFrame? ctes)
    {
        if (!query.RecursiveWith)
        {
            foreach (var table in query.With)
            {
                var result = Query(table.Query, outer, ctes);
                ctes = new CteFrame(table.Name, CteEntry(table, result.Outputs), ctes);
            }

            return ctes;
        }

        // WITH RECURSIVE: every CTE of the list may read any of them, itself included. Start from
        // nothing known and resolve all of them again until no column carries anything new.
        var entries = query.With.Select(t => new RangeEntry(t.Name, [], true, Taint.Clean)).ToArray();
        for (var round = 0; round < MaxRecursionRounds; round++)
        {
            var frame = ctes;
            for (var i = 0; i < entries.Length; i++)
            {
                frame = new CteFrame(query.With[i].Name, entries[i], frame);
            }

            var changed = false;
            for (var i = 0; i < entries.Length; i++)
            {
                var next = Widen(entries[i], CteEntry(query.With[i], Query(query.With[i].Query, outer, frame).Outputs));
                changed |= !SameColumns(entries[i], next);
                entries[i] = next;
            }

            if (!changed)
            {
                for (var i = 0; i < entries.Length; i++)
                {
                    ctes = new CteFrame(query.With[i].Name, entries[i], ctes);
                }

                return ctes;
            }
        }

        foreach (var table in query.With)
        {
            ctes = new CteFrame(table.Name, new RangeEntry(table.Name, [], true, Taint.Unresolved), ctes);
        }

        return ctes;
    }

    private static RangeEntry CteEntry(CommonTable table, IReadOnlyList<OutputSlot> outputs)
    {
        var entry = FromOutputs(table.Name, outputs).Renamed(table.Name, table.ColumnNames);
        if (table.AddedColumns.Count == 0)
        {
            return entry;
        }

        // SEARCH … SET seq / CYCLE … SET mark USING path: computed from the listed columns.
        var from = table.AddedFrom.Aggregate(Taint.Clean, (t, c) => t.Union(entry.Column(c) ?? entry.MoreTaint)).Computed();
        return new RangeEntry(entry.Name, [.. entry.Columns, .. table.AddedColumns.Select(c => new ColumnSlot(c, from))], entry.MoreColumns, entry.MoreTaint);
    }

    // A recursive CTE's columns carry what any round gave them.
    private static RangeEntry Widen(RangeEntry before, RangeEntry after)
    {
        if (before.Columns.Count == 0)
        {
            return after;
        }

        var columns = after.Columns.Select((c, i) => i < before.Columns.Count ? c with { Taint = before.Columns[i].Taint.Either(c.Taint) } : c).ToArray();
        return new RangeEntry(after.Name, columns, after.MoreColumns || before.MoreColumns, before.MoreTaint.Union(after.MoreTaint));
    }

    private static bool SameColumns(RangeEntry a, RangeEntry b) =>
        a.MoreColumns == b.MoreColumns && a.MoreTaint.SameContent(b.MoreTaint) && a.Columns.Count == b.Columns.Count
        && a.Columns.Zip(b.Columns).All(p => p.First.Name == p.Second.Name && p.First.Taint.SameContent(p.Second.Taint));
}
