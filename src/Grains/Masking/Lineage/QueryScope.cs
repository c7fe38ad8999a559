namespace OrleansGate.Grains.Masking.Lineage;

/// <summary>
/// The names one query level can see: its FROM items (so far, while they are being read: a
/// LATERAL item sees those before it) and, through <see cref="Outer"/>, every enclosing level's —
/// a correlated subquery's references resolve outwards, innermost first.
/// </summary>
internal sealed class QueryScope(QueryScope? outer, CteFrame? ctes)
{
    public QueryScope? Outer { get; } = outer;

    public CteFrame? Ctes { get; } = ctes;

    public List<ScopeItem> Items { get; } = [];

    /// <summary>The nearest item called <paramref name="name"/>, this level first.</summary>
    public RangeEntry? FindByName(string name)
    {
        for (var level = this; level is not null; level = level.Outer)
        {
            foreach (var item in level.Items)
            {
                if (item.NameVisible && item.Entry.Name == name)
                {
                    return item.Entry;
                }
            }
        }

        return null;
    }

    /// <summary>A scope for a subquery nested in this level (it sees this level's items, and outwards).</summary>
    public QueryScope Nested() => new(this, Ctes);

    /// <summary>A copy of this level as it is now, for an item that sees only what came before it.</summary>
    public QueryScope SoFar()
    {
        var copy = new QueryScope(Outer, Ctes);
        copy.Items.AddRange(Items);
        return copy;
    }
}

/// <summary>The common table expressions in scope, innermost first: a name in FROM is a CTE's before it is a relation's.</summary>
internal sealed class CteFrame(string name, RangeEntry entry, CteFrame? parent)
{
    public CteFrame? Parent { get; } = parent;

    public string Name { get; } = name;

    public RangeEntry Entry { get; } = entry;

    public RangeEntry? Find(string name)
    {
        for (var frame = this; frame is not null; frame = frame.Parent)
        {
            if (frame.Name == name)
            {
                return frame.Entry;
            }
        }

        return null;
    }
}
