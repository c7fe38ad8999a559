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
        CombinedValue combined => Combined(combined, scope),
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

    // Whether a statement fails, or how long it takes, must not depend on a masked value. Two ways
    // it could, each marking the value computed (Taint.Failing, refused where it carries a masked
    // value): a step given a masked value where it does not accept every value (1 / (ascii(ssn) -
    // 49), ssn::int, 'x' LIKE ssn); and a masked value deciding whether a step runs at all (CASE,
    // COALESCE, AND/OR, IN lists, an aggregate's FILTER), unless every step it decides is a
    // constant, a column or a comparison of them: CASE WHEN ssn = '123-45-6789' THEN substr(name,
    // 1, -1) END fails, and THEN md5(rpad(name, 100000000)) takes a second, exactly when ssn is
    // that value (the planner folds no call that also takes a column, so constants count too).
    private Taint Operator(OperatorValue op, QueryScope scope)
    {
        // An operator accepts every value in all of its operands or in none.
        var operands = Arguments(op.Arguments, scope);
        var failing = operands.MayCarryMasked && !Policy.ServerFunctions.OperatorAcceptsAnyValue(op.Operator);
        var taint = operands.Computed().Union(_catalog.IsOpaqueOperator(op.Operator) ? Taint.Function("operator " + op.Operator) : Taint.Clean);
        return failing ? taint.Failing() : taint;
    }

    private Taint Combined(CombinedValue combined, QueryScope scope)
    {
        var taint = Taint.Clean;
        var failing = false;
        for (var i = 0; i < combined.Parts.Count; i++)
        {
            // Each part of a conditional runs only as the parts before it say.
            failing |= combined.Conditional && taint.MayCarryMasked && !IsInert(combined.Parts[i]);
            taint = taint.Union(Value(combined.Parts[i], scope));
        }

        taint = taint.Computed();
        return failing || (combined.MayFail && taint.MayCarryMasked) ? taint.Failing() : taint;
    }

    /// <summary>A constant, a column, or a comparison of such (a CASE's later WHEN): nothing that can fail or does more than read them.</summary>
    private static bool IsInert(ValueShape value) => value switch
    {
        ConstantValue or ColumnValue => true,
        CombinedValue { MayFail: false } combined => combined.Parts.All(IsInert),
        OperatorValue { Operator: "=" or "<>" or "!=" or "<" or ">" or "<=" or ">=" } comparison => comparison.Arguments.All(IsInert),
        _ => false,
    };

    private Taint Call(CallValue call, QueryScope scope)
    {
        var arguments = Taint.Clean;
        var failing = false;
        for (var i = 0; i < call.Arguments.Count; i++)
        {
            var argument = Value(call.Arguments[i], scope);
            failing |= argument.MayCarryMasked && !Policy.ServerFunctions.AcceptsAnyValue(call.Function, i);
            arguments = arguments.Union(argument);
        }

        if (call.Filter is { } filter)
        {
            // An aggregate's FILTER decides for which rows its arguments are computed.
            var filtered = Value(filter, scope);
            failing |= filtered.MayCarryMasked && !call.Arguments.All(IsInert);
            arguments = arguments.Union(filtered);
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
        return Arguments(subquery.Tests, scope).Union(taint).Computed();
    }

    // (t).x is column x of the row t — also when t came through a subquery or CTE unchanged;
    // (f(t)).x, a[1] compute from what they select from. Any other field name may be a call in
    // functional notation: (x).f is f(x) when x has no field f.
    private Taint Field(FieldValue field, QueryScope scope)
    {
        var of = Value(field.Of, scope);
        var subscripts = Arguments(field.Subscripts, scope);
        if (field.Fields.Count > 0 && of.Row?.Column(field.Fields[0]) is { } column)
        {
            return field.Fields.Count == 1 && field.Subscripts.Count == 0 ? column.Computed() : column.Union(subscripts).Computed();
        }

        return FieldCalls(field.Fields, of).Union(subscripts).Computed();
    }

    /// <summary>
    /// (x).f.g as the calls g(f(x)) it may be, each judged as a call with that one argument: a user
    /// function's result is its own, a set-returning one decides rows, one that keeps its argument
    /// (pg_advisory_lock) launders it, one that does not accept every value may fail on it. A name
    /// no function has is a field of a composite value, which these cost nothing.
    /// </summary>
    private Taint FieldCalls(IReadOnlyList<string> names, Taint of)
    {
        var taint = of;
        foreach (var name in names)
        {
            if (taint.MayCarryMasked && !Policy.ServerFunctions.AcceptsAnyValue(name, 0))
            {
                taint = taint.Failing();
            }

            if (_catalog.IsUserFunction(name) || Policy.ServerFunctions.ReturnsSet(name))
            {
                Predicate(taint);
            }

            if (KeepsValue(name))
            {
                _kept = _kept.Union(taint);
            }

            taint = taint.Union(FunctionOf(name));
        }

        return taint;
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
