namespace OrleansGate.Grains.Masking.Lineage;

/// <summary>
/// One column a FROM item offers: its name in the query and what its values carry. When the item
/// may be one of several relations (an unqualified name on the search path), the others' names for
/// the same position find it too (<see cref="OtherNames"/>).
/// </summary>
internal readonly record struct ColumnSlot(string Name, Taint Taint, IReadOnlyList<string>? OtherNames = null)
{
    public bool IsNamed(string name) => Name == name || (OtherNames is not null && OtherNames.Contains(name));
}

/// <summary>
/// A FROM item as resolved (PostgreSQL's range-table entry): the name the query refers to it by
/// and its columns. <see cref="MoreColumns"/> says it may have columns the gateway does not know
/// by name — a relation without masked columns (the catalog keeps only those), a function's
/// result — each carrying <see cref="MoreTaint"/>.
/// </summary>
internal sealed class RangeEntry(string? name, IReadOnlyList<ColumnSlot> columns, bool moreColumns, Taint moreTaint)
{
    public string? Name { get; } = name;

    public IReadOnlyList<ColumnSlot> Columns { get; } = columns;

    public bool MoreColumns { get; } = moreColumns;

    public Taint MoreTaint { get; } = moreTaint;

    /// <summary>A relation without masked columns: every column is clean, whatever it is called.</summary>
    public static RangeEntry Unknown(string? name, IReadOnlyList<string> aliasColumns) =>
        new(name, aliasColumns.Select(c => new ColumnSlot(c, Taint.Clean)).ToArray(), true, Taint.Clean);

    /// <summary>What the column of this name carries (every column of that name, if several); null when it has none by that name.</summary>
    public Taint? Column(string name)
    {
        Taint? found = null;
        foreach (var column in Columns)
        {
            if (column.IsNamed(name))
            {
                found = found is null ? column.Taint : found.Either(column.Taint);
            }
        }

        return found;
    }

    /// <summary>The whole row as one value (<c>t</c>, <c>t.*</c> as an argument, <c>row_to_json(t)</c>).</summary>
    public Taint WholeRow()
    {
        var row = MoreColumns ? MoreTaint : Taint.Clean;
        foreach (var column in Columns)
        {
            row = row.Union(column.Taint);
        }

        return row.AsWholeRow(this);
    }

    /// <summary>The same item under an alias, its first columns renamed by the alias column list.</summary>
    public RangeEntry Renamed(string? alias, IReadOnlyList<string> aliasColumns)
    {
        if (aliasColumns.Count == 0)
        {
            return alias is null || alias == Name ? this : new RangeEntry(alias, Columns, MoreColumns, MoreTaint);
        }

        var renamed = new ColumnSlot[Math.Max(Columns.Count, aliasColumns.Count)];
        for (var i = 0; i < renamed.Length; i++)
        {
            // An alias list longer than the known columns names columns the gateway does not know (fail closed: they carry MoreTaint).
            var taint = i < Columns.Count ? Columns[i].Taint : MoreTaint;
            renamed[i] = i < aliasColumns.Count ? new ColumnSlot(aliasColumns[i], taint) : Columns[i];
        }

        return new RangeEntry(alias ?? Name, renamed, MoreColumns, MoreTaint);
    }
}

/// <summary>A FROM item in a query level's namespace: found by its name, by its columns, or both (<c>parse_relation.c</c>).</summary>
internal readonly record struct ScopeItem(RangeEntry Entry, bool NameVisible, bool ColumnsVisible);

/// <summary>One result column of a query level, or a run of columns of unknown number (a star over a relation the gateway knows no columns of).</summary>
internal readonly record struct OutputSlot(string Name, Taint Taint, bool IsRun);
