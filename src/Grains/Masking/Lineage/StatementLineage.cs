namespace OrleansGate.Grains.Masking.Lineage;

/// <summary>
/// Where everything a statement computes comes from, resolved against the catalog: what each
/// result column carries, and what the statement's filters, writes and side effects carry.
/// </summary>
internal sealed record StatementLineage
{
    /// <summary>The result columns in order; a run stands for a star over columns the gateway does not know by name.</summary>
    public required IReadOnlyList<OutputSlot> Outputs { get; init; }

    /// <summary>Every filter, join condition, ordering and grouping at every level.</summary>
    public required Taint Predicates { get; init; }

    /// <summary>Values stored by INSERT, UPDATE, MERGE (data-modifying CTEs included).</summary>
    public required Taint Written { get; init; }

    /// <summary>Values handed to functions that keep them where a later statement can read them (set_config, pg_notify, setval, …).</summary>
    public required Taint Kept { get; init; }

    /// <summary>Everything the statement computes with, anywhere in it.</summary>
    public required Taint Touched { get; init; }

    /// <summary>FOR UPDATE / FOR SHARE somewhere in the statement.</summary>
    public bool LocksRows { get; init; }

    /// <summary>What all result columns together carry.</summary>
    public Taint AllOutputs => Outputs.Aggregate(Taint.Clean, (all, o) => all.Union(o.Taint));

    /// <summary>Nothing masked anywhere, and nothing the gateway cannot see into.</summary>
    public bool IsClean => Touched.IsClean && Outputs.All(o => o.Taint.IsClean);

    public static StatementLineage Empty { get; } = new()
    {
        Outputs = [], Predicates = Taint.Clean, Written = Taint.Clean, Kept = Taint.Clean, Touched = Taint.Clean,
    };
}
