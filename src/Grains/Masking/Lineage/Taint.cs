namespace OrleansGate.Grains.Masking.Lineage;

/// <summary>Where a value's masked content came from, beyond the masked columns themselves.</summary>
[Flags]
internal enum TaintSources
{
    None = 0,
    /// <summary>Computed from a masked column (an expression, an aggregate, a subquery's result, …).</summary>
    Derived = 1,
    /// <summary>A whole row of a relation with masked columns (<c>c</c>, <c>c.*</c>, <c>row_to_json(c)</c>).</summary>
    WholeRow = 2,
    /// <summary>A user-defined function or operator: its body may read masked columns where the gateway cannot see.</summary>
    Function = 4,
    /// <summary>A reference the gateway could not resolve, or a part of the tree it does not read: anything may be in it.</summary>
    Unresolved = 8,
    /// <summary>
    /// Whether computing it fails, or how long it takes, may depend on a masked value: a step that
    /// does not accept every value was given one (arithmetic, a cast to anything but text), or a
    /// masked value decides whether such a step runs (CASE, COALESCE, AND/OR, FILTER).
    /// </summary>
    MayFail = 16,
}

/// <summary>
/// What a value computed by a statement carries from masked columns: the masked columns it was
/// computed from (indexes into the catalog's origins), and whether it may carry more than the
/// gateway can see. <see cref="Exact"/> is the one masked column the value is, unchanged, when it
/// is a plain reference to it — the only value a partial strategy (Email, Partial) may be given.
/// </summary>
internal sealed class Taint : IEquatable<Taint>
{
    public static readonly Taint Clean = new([], TaintSources.None, -1, []);

    private Taint(int[] origins, TaintSources sources, int exact, string[] functions, RangeEntry? row = null)
    {
        Origins = origins;
        Sources = sources;
        Exact = exact;
        Functions = functions;
        Row = row;
    }

    /// <summary>Indexes into the catalog's origins, sorted, without repeats.</summary>
    public int[] Origins { get; }

    public TaintSources Sources { get; }

    /// <summary>The origin this value is exactly (a plain reference to a masked column), or -1.</summary>
    public int Exact { get; }

    /// <summary>The user-defined functions and operators it went through, for the record.</summary>
    public string[] Functions { get; }

    /// <summary>
    /// The FROM item this value is the whole row of, unchanged (<c>c</c>, or a subquery's column
    /// holding it): a field of it (<c>(c).name</c>) is then that column, whatever else the row holds.
    /// </summary>
    public RangeEntry? Row { get; }

    /// <summary>Proven clean: computed only from columns resolved as unmasked, constants and the server's own functions.</summary>
    public bool IsClean => Origins.Length == 0 && (Sources & (TaintSources.Function | TaintSources.Unresolved)) == 0;

    /// <summary>The masked column <paramref name="origin"/> itself.</summary>
    public static Taint Column(int origin) => new([origin], TaintSources.None, origin, []);

    /// <summary>A user-defined function's or operator's result: it may carry anything.</summary>
    public static Taint Function(string name) => new([], TaintSources.Function, -1, [name]);

    public static readonly Taint Unresolved = new([], TaintSources.Unresolved, -1, []);

    /// <summary>It may hold a masked value: computed from a masked column, or from something the gateway could not resolve.</summary>
    public bool MayCarryMasked => Origins.Length > 0 || (Sources & TaintSources.Unresolved) != 0;

    /// <summary>Computing this value may fail for some values (<see cref="TaintSources.MayFail"/>).</summary>
    public bool MayFail => (Sources & TaintSources.MayFail) != 0;

    /// <summary>This value, computed by a step that may fail for some values.</summary>
    public Taint Failing() => MayFail ? this : new Taint(Origins, Sources | TaintSources.MayFail, -1, Functions);

    /// <summary>What a value computed from both carries (never exact).</summary>
    public Taint Union(Taint other) => Combine(this, other, keepExact: false);

    /// <summary>
    /// What one column of a set operation (or a recursive CTE) carries: a value from either side,
    /// unchanged — exact only when both sides are the same masked column.
    /// </summary>
    public Taint Either(Taint other) => Combine(this, other, keepExact: true);

    /// <summary>This value, computed on (no longer the column itself): an expression over it.</summary>
    public Taint Computed() =>
        Row is null && IsClean && Sources == TaintSources.None ? this
        : Row is null && Exact < 0 && (Origins.Length == 0 || (Sources & TaintSources.Derived) != 0) ? this
        : new Taint(Origins, Sources | (Origins.Length > 0 ? TaintSources.Derived : TaintSources.None), -1, Functions);

    /// <summary>This value as the whole row of <paramref name="row"/>.</summary>
    public Taint AsWholeRow(RangeEntry row) =>
        new(Origins, Sources | (Origins.Length > 0 ? TaintSources.WholeRow : TaintSources.None), -1, Functions, row);

    private static Taint Combine(Taint a, Taint b, bool keepExact)
    {
        if (ReferenceEquals(a, b) || b.IsEmpty)
        {
            return keepExact ? a : a.Computed();
        }

        if (a.IsEmpty)
        {
            return keepExact ? b : b.Computed();
        }

        var exact = keepExact && a.Exact >= 0 && a.Exact == b.Exact ? a.Exact : -1;
        var row = keepExact && a.Row is not null && ReferenceEquals(a.Row, b.Row) ? a.Row : null;
        var sources = a.Sources | b.Sources;
        if (exact < 0 && (a.Origins.Length > 0 || b.Origins.Length > 0) && !keepExact)
        {
            sources |= TaintSources.Derived;
        }

        return new Taint(Merge(a.Origins, b.Origins), sources, exact,
            a.Functions.Length == 0 ? b.Functions : b.Functions.Length == 0 ? a.Functions : a.Functions.Union(b.Functions, StringComparer.Ordinal).ToArray(), row);
    }

    private bool IsEmpty => Origins.Length == 0 && Sources == TaintSources.None;

    private static int[] Merge(int[] a, int[] b)
    {
        if (a.Length == 0)
        {
            return b;
        }

        if (b.Length == 0 || a.AsSpan().SequenceEqual(b))
        {
            return a;
        }

        var merged = new List<int>(a.Length + b.Length);
        int i = 0, j = 0;
        while (i < a.Length || j < b.Length)
        {
            var next = j >= b.Length || (i < a.Length && a[i] <= b[j]) ? a[i] : b[j];
            if (i < a.Length && a[i] == next)
            {
                i++;
            }

            if (j < b.Length && b[j] == next)
            {
                j++;
            }

            merged.Add(next);
        }

        return merged.ToArray();
    }

    public bool Equals(Taint? other) =>
        other is not null && (ReferenceEquals(this, other)
            || (Sources == other.Sources && Exact == other.Exact && ReferenceEquals(Row, other.Row) && Origins.AsSpan().SequenceEqual(other.Origins)
                && Functions.AsSpan().SequenceEqual(other.Functions)));

    public override bool Equals(object? obj) => Equals(obj as Taint);

    /// <summary>Carries the same masked content (which row object it may be does not matter): a recursive CTE has settled.</summary>
    public bool SameContent(Taint other) =>
        Sources == other.Sources && Exact == other.Exact && Origins.AsSpan().SequenceEqual(other.Origins) && Functions.AsSpan().SequenceEqual(other.Functions);

    public override int GetHashCode() => HashCode.Combine(Sources, Exact, Origins.Length, Functions.Length);
}
