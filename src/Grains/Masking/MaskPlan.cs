namespace OrleansGate.Grains.Masking;

/// <summary>
/// How the proxy masks one statement's results, beyond what every result gets anyway (a column
/// whose origin the catalog lists as masked is always masked).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record MaskPlan
{
    /// <summary>The catalog snapshot the decision was made with; the proxy uses this one or a newer one.</summary>
    [Id(0)] public long CatalogVersion { get; init; }

    /// <summary>Result columns without a table origin (expressions, functions, whole rows, …) are masked.</summary>
    [Id(1)] public bool MaskDerived { get; init; }

    /// <summary>The rule derived columns are masked with: an index into the catalog's rules, or -1 for <see cref="Catalog.MaskRule.Derived"/>.</summary>
    [Id(2)] public int DerivedRule { get; init; } = -1;

    /// <summary>
    /// Every result column is masked: the statement may read relations the catalog does not know
    /// yet (DDL earlier in the same batch), or it is a COPY of a query.
    /// </summary>
    [Id(3)] public bool MaskEveryColumn { get; init; }

    /// <summary>
    /// For COPY of a table TO STDOUT: the rule of each copied column in order (as <see cref="Catalog.MaskedOrigin.Rule"/>),
    /// or <see cref="Clear"/> for a column copied as it is.
    /// </summary>
    [Id(4)] public IReadOnlyList<int> CopyColumnRules { get; init; } = [];

    /// <summary>
    /// The statement reads masked values (in its results, its computations or its predicates): the
    /// server's error and notice text, which can quote a value ("invalid input syntax for type
    /// integer: …", RAISE NOTICE in a function), is withheld from the client; the SQLSTATE stays.
    /// </summary>
    [Id(5)] public bool ReadsMaskedValues { get; init; }

    /// <summary>In <see cref="CopyColumnRules"/>: the column is not masked.</summary>
    public const int Clear = -2;
}

/// <summary>Why a masked column is masked in a statement's results, as DecisionMade records it.</summary>
public enum MaskReason
{
    /// <summary>The statement reads the column itself (its origin is masked).</summary>
    Origin,
    /// <summary>A value computed from the column (an expression, a cast, an aggregate, a subquery, …).</summary>
    Derived,
    /// <summary>A whole row of a relation that holds the column.</summary>
    WholeRow,
    /// <summary>The statement calls a user-defined function, whose body the gateway cannot see.</summary>
    Function,
    /// <summary>The relation may be new to the catalog (DDL earlier in the same batch).</summary>
    UnknownRelation,
    /// <summary>Found by a content detector.</summary>
    Detector,
}

/// <summary>A masked column a statement touches, and why.</summary>
[GenerateSerializer, Immutable]
public sealed record MaskedColumnUse(
    [property: Id(0)] string Column,
    [property: Id(1)] MaskReason Reason);
