using OrleansGate.Grains.Policy;

namespace OrleansGate.Grains.Catalog;

/// <summary>A configured mask (<see cref="MaskOptions"/>) as the proxy applies it.</summary>
[GenerateSerializer, Immutable]
public sealed record MaskRule(
    /// <summary><c>schema.table.column</c> as configured, or <c>*</c>.</summary>
    [property: Id(0)] string Column,
    [property: Id(1)] MaskStrategy Strategy,
    [property: Id(2)] int KeepFirst,
    [property: Id(3)] int KeepLast,
    [property: Id(4)] IReadOnlyList<ContentDetector> Detectors,
    [property: Id(5)] IReadOnlyList<string> Unmasked)
{
    public static MaskRule From(MaskOptions options) => new(options.Column, options.Strategy, options.KeepFirst, options.KeepLast,
        options.Detectors.ToArray(), options.Unmasked.ToArray());

    /// <summary>Whole values masked with Redact: what a value computed from several masked columns gets.</summary>
    public static MaskRule Derived { get; } = new("(derived)", MaskStrategy.Redact, 0, 0, [], []);

    /// <summary>True when a member of one of <paramref name="groups"/> sees clear values.</summary>
    public bool IsUnmaskedFor(IReadOnlyList<string> groups) => Unmasked.Any(groups.Contains);
}
