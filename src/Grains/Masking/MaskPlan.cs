namespace OrleansGate.Grains.Masking;

/// <summary>
/// How the proxy masks one statement's results, beyond what every result gets anyway (a column
/// whose origin the catalog lists as masked is always masked, with its own rule).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record MaskPlan
{
    /// <summary>The catalog snapshot the decision was made with; the proxy uses this one or a newer one.</summary>
    [Id(0)] public long CatalogVersion { get; init; }

    /// <summary>
    /// Some result column is not proven clean. When <see cref="ResultColumns"/> cannot be matched
    /// to the columns the server describes, every column without a table origin is redacted.
    /// </summary>
    [Id(1)] public bool MaskDerived { get; init; }

    /// <summary>
    /// Every result column is masked: the statement may read relations the catalog does not know
    /// yet (DDL earlier in the same batch).
    /// </summary>
    [Id(3)] public bool MaskEveryColumn { get; init; }

    /// <summary>
    /// For COPY TO STDOUT: the rule of each copied column in order (as <see cref="Catalog.MaskedOrigin.Rule"/>),
    /// or <see cref="Clear"/> for a column copied as it is.
    /// </summary>
    [Id(4)] public IReadOnlyList<int> CopyColumnRules { get; init; } = [];

    /// <summary>
    /// The statement reads masked values (in its results, its computations or its predicates): the
    /// server's error and notice text, which can quote a value ("invalid input syntax for type
    /// integer: …", RAISE NOTICE in a function), is withheld from the client; the SQLSTATE stays.
    /// </summary>
    [Id(5)] public bool ReadsMaskedValues { get; init; }

    /// <summary>
    /// The statement's result columns in order, as the gateway resolved them: each is clear (proven
    /// clean), masked with a column's own rule (it is that masked column, unchanged), or redacted
    /// whole. Empty when the statement returns no rows the gateway resolved.
    /// </summary>
    [Id(6)] public IReadOnlyList<ResultColumn> ResultColumns { get; init; } = [];

    /// <summary>A rule value: the column is not masked.</summary>
    public const int Clear = -2;

    /// <summary>A rule value: the whole value is redacted (<see cref="Catalog.MaskRule.Derived"/>).</summary>
    public const int Redacted = Catalog.MaskedOrigin.DerivedRule;
}

/// <summary>
/// One result column (or, with <see cref="Run"/>, an unknown number of them: a star over a
/// relation the gateway knows no columns of) and the rule it is masked with: <see cref="MaskPlan.Clear"/>,
/// <see cref="MaskPlan.Redacted"/>, or a configured rule's index.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ResultColumn(
    [property: Id(0)] int Rule,
    [property: Id(1)] bool Run);

/// <summary>Why a masked column is masked in a statement's results, as DecisionMade records it.</summary>
public enum MaskReason
{
    /// <summary>The statement reads the column itself (its origin is masked).</summary>
    Origin,
    /// <summary>A value computed from the column (an expression, a cast, an aggregate, a subquery, …).</summary>
    Derived,
    /// <summary>A whole row of a relation that holds the column.</summary>
    WholeRow,
    /// <summary>The statement calls a user-defined function or operator, whose body the gateway cannot see.</summary>
    Function,
    /// <summary>The relation may be new to the catalog (DDL earlier in the same batch).</summary>
    UnknownRelation,
    /// <summary>Found by a content detector.</summary>
    Detector,
    /// <summary>A reference or expression the gateway could not resolve: it may carry anything.</summary>
    Unresolved,
}

/// <summary>A masked column a statement touches, and why.</summary>
[GenerateSerializer, Immutable]
public sealed record MaskedColumnUse(
    [property: Id(0)] string Column,
    [property: Id(1)] MaskReason Reason);
