using OrleansGate.Grains.Statements.Shapes;

namespace OrleansGate.Grains.Masking.Lineage;

/// <summary>Expressions and column references: what each value carries.</summary>
internal sealed partial class LineageResolver
{
    private Taint Value(ValueShape value, QueryScope scope) => Touch(value switch
    {
        ConstantValue => Taint.Clean,
        ColumnValue column => Column(column, scope),
        CallValue call => Call(call, scope),
        OperatorValue op => Operator(op, scope),
        SubqueryValue subquery => Subquery(subquery, scope),
        FieldValue field => Field(field, scope),
        CombinedValue { MayFail: true } combined => Arguments(combined.Parts, scope).Computed().Failing(),
        CombinedValue combined => Arguments(combined.Parts, scope).Computed(),
        _ => Taint.Unresolved.Failing(),
    });

    private Taint Arguments(IReadOnlyList<ValueShape> values, QueryScope scope)
    {
        var taint = Taint.Clean;
        foreach (var value in values)
        {
            taint = taint.Union(Value(value, scope));
        }

        return taint;
    }

    // A step that may fail for some values marks its result (Taint.Failing): when the value also
    // carries a masked one, whether the statement fails can depend on it, even where the failing
    // part reads no masked value itself (CASE WHEN ssn LIKE '1%' THEN 1 / (id - id) END). A constant
    // argument cannot be what makes it fail: the planner folds a call of constants, and a failing
    // one fails every time. Steps not known to accept every value may fail whatever they are given
    // (current_setting('x') is not folded).
    private Taint Operator(OperatorValue op, QueryScope scope)
    {
        var taint = Taint.Clean;
        var failing = !Policy.ServerFunctions.KnownOperatorToAcceptAnyValue(op.Operator);
        for (var i = 0; i < op.Arguments.Count; i++)
        {
            var argument = Value(op.Arguments[i], scope);
            failing |= op.Arguments[i] is not ConstantValue && !Policy.ServerFunctions.OperatorAcceptsAnyValue(op.Operator, i, op.Arguments.Count);
            taint = taint.Union(argument);
        }

        taint = taint.Computed().Union(_catalog.IsOpaqueOperator(op.Operator) ? Taint.Function("operator " + op.Operator) : Taint.Clean);
        return failing ? taint.Failing() : taint;
    }

    private Taint Call(CallValue call, QueryScope scope)
    {
        var arguments = Taint.Clean;
        var failing = !Policy.ServerFunctions.KnownToAcceptAnyValue(call.Function);
        for (var i = 0; i < call.Arguments.Count; i++)
        {
            var argument = Value(call.Arguments[i], scope);
            failing |= call.Arguments[i] is not ConstantValue && !Policy.ServerFunctions.AcceptsAnyValue(call.Function, i);
            arguments = arguments.Union(argument);
        }

        if (failing)
        {
            arguments = arguments.Failing();
        }
        if (call.Window.Count > 0)
        {
            var window = Arguments(call.Window, scope);
            Predicate(window);
            arguments = arguments.Union(window);
        }

        var opaque = _catalog.IsOpaqueFunction(call.Function);
        if (opaque || Policy.ServerFunctions.ReturnsSet(call.Function))
        {
            // It may return as many rows as its arguments say (a user function may return a set too).
            Predicate(arguments);
        }

        if (KeepsValue(call.Function))
        {
            _kept = _kept.Union(arguments);
        }

        return opaque ? arguments.Union(Taint.Function(call.Function)) : arguments.Computed();
    }

    // A subquery's value is computed from what it returns and from what picks the rows it returns:
    // (SELECT 'x' FROM customers WHERE ssn LIKE '1%' …) says something about ssn.
    private Taint Subquery(SubqueryValue subquery, QueryScope scope)
    {
        var before = _predicates;
        _predicates = Taint.Clean;
        var result = Query(subquery.Query, scope.Nested(), scope.Ctes);
        var filters = _predicates;
        _predicates = before.Union(filters);
        var taint = result.Outputs.Aggregate(filters, (t, o) => t.Union(o.Taint));
        // A scalar subquery fails when it returns more than one row: evaluated only when a masked
        // value says so (CASE WHEN ssn LIKE '1%' THEN (SELECT …) END), that says something of it.
        return Arguments(subquery.Tests, scope).Union(taint).Computed().Failing();
    }

    // (t).x is column x of the row t — also when t came through a subquery or CTE unchanged;
    // (f(t)).x, a[1] compute from what they select from.
    private Taint Field(FieldValue field, QueryScope scope)
    {
        var of = Value(field.Of, scope);
        var subscripts = Arguments(field.Subscripts, scope);
        if (field.Fields.Count > 0 && of.Row?.Column(field.Fields[0]) is { } column)
        {
            return field.Fields.Count == 1 && field.Subscripts.Count == 0 ? column.Computed() : column.Union(subscripts).Computed();
        }

        return of.Union(subscripts).Computed();
    }

    /// <summary>A column reference: a column, a whole row, or a function applied to a row (functional notation).</summary>
    private Taint Column(ColumnValue column, QueryScope scope)
    {
        var names = column.Names;
        if (column.Star)
        {
            // t.* as a value (an argument, a ROW): the whole row.
            return names.Count == 0 ? AllRows(scope) : Qualifier(names, scope)?.WholeRow() ?? Taint.Unresolved;
        }

        return names.Count switch
        {
            0 => Taint.Unresolved,
            1 => Bare(names[0], scope) ?? scope.FindByName(names[0])?.WholeRow() ?? Taint.Unresolved,
            _ => Qualified(names, scope),
        };
    }

    /// <summary>
    /// An unqualified name: the column of that name at the innermost level that has one, else a
    /// FROM item of that name as a whole row. A FROM item whose columns the gateway does not know
    /// may hold the column too, so it counts wherever the search passes it. Null when nothing in
    /// scope can be the name.
    /// </summary>
    private static Taint? Bare(string name, QueryScope scope)
    {
        Taint? found = null;
        for (var level = scope; level is not null; level = level.Outer)
        {
            Taint? here = null;
            foreach (var item in level.Items)
            {
                if (!item.ColumnsVisible)
                {
                    continue;
                }

                if (item.Entry.Column(name) is { } column)
                {
                    here = here is null ? column : here.Either(column);
                }
                else if (item.Entry.MoreColumns)
                {
                    found = found is null ? item.Entry.MoreTaint : found.Union(item.Entry.MoreTaint);
                }
            }

            if (here is not null)
            {
                return found is null || found.IsClean && found.Origins.Length == 0 ? here : here.Union(found);
            }
        }

        if (found is not null && scope.FindByName(name) is { } row)
        {
            // Not a known column anywhere: an unknown column, or the whole row of the item so named.
            return found.Union(row.WholeRow());
        }

        return found;
    }

    /// <summary>
    /// t.x, s.t.x, db.s.t.x — or x.f: field f of composite column x (or f(x) in functional
    /// notation), t.x.f. As <c>transformColumnRef</c>, the most qualified reading is tried first.
    /// </summary>
    private Taint Qualified(IReadOnlyList<string> names, QueryScope scope)
    {
        // names[k] is the FROM item, names[..k] its schema (and database), names[k + 1] the column, the rest fields.
        for (var k = Math.Min(names.Count - 2, 2); k >= 0; k--)
        {
            if (scope.FindByName(names[k]) is not { } entry)
            {
                continue;
            }

            var member = Member(entry, names[k + 1]);
            return names.Count == k + 2 ? member : member.Computed().Union(FunctionOf(names[^1]));
        }

        return Bare(names[0], scope) is { } composite ? composite.Computed().Union(FunctionOf(names[^1])) : Taint.Unresolved;
    }

    /// <summary>Column <paramref name="name"/> of an item — or, when it has no such column, <c>name(item)</c>.</summary>
    private Taint Member(RangeEntry entry, string name)
    {
        if (entry.Column(name) is { } column)
        {
            return entry.MoreColumns ? column.Union(entry.MoreTaint) : column;
        }

        // Functional notation: t.f is f(t), for any function f that takes t's row type.
        return entry.MoreColumns
            ? entry.MoreTaint.Union(entry.WholeRow()).Union(FunctionOf(name))
            : entry.WholeRow().Union(FunctionOf(name));
    }

    // t.f or x.f where f may be a function applied to the row: user code only when a user function has that name.
    private Taint FunctionOf(string name) => _catalog.IsUserFunction(name) ? Taint.Function(name) : Taint.Clean;

    /// <summary>The FROM item a star or qualified name names: t in t.*, s.t in s.t.*.</summary>
    private static RangeEntry? Qualifier(IReadOnlyList<string> names, QueryScope scope) => scope.FindByName(names[^1]);

    /// <summary>Every column of every item at the innermost level (a bare * used as a value).</summary>
    private static Taint AllRows(QueryScope scope) =>
        scope.Items.Where(i => i.ColumnsVisible).Aggregate(Taint.Clean, (t, i) => t.Union(i.Entry.WholeRow()));

    /// <summary>A level's result columns, stars expanded.</summary>
    private List<OutputSlot> Outputs(IReadOnlyList<OutputItem> items, QueryScope scope)
    {
        var outputs = new List<OutputSlot>();
        foreach (var item in items)
        {
            if (item.Value is { } value)
            {
                // A plain column reference keeps what the column is (a masked column itself stays exact).
                outputs.Add(new OutputSlot(item.Name, Value(value, scope), false));
                continue;
            }

            var starOf = item.StarOf ?? [];
            var entries = starOf.Count == 0
                ? scope.Items.Where(i => i.ColumnsVisible).Select(i => i.Entry).ToArray()
                : Qualifier(starOf, scope) is { } named ? [named] : [];
            if (entries.Length == 0)
            {
                outputs.Add(new OutputSlot(item.Name, Taint.Unresolved, true));
                continue;
            }

            foreach (var entry in entries)
            {
                outputs.AddRange(entry.Columns.Select(c => new OutputSlot(c.Name, Touch(c.Taint), false)));
                if (entry.MoreColumns)
                {
                    outputs.Add(new OutputSlot(item.Name, Touch(entry.MoreTaint), true));
                }
            }
        }

        return outputs;
    }
}
