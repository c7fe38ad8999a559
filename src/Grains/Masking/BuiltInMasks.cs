using OrleansGate.Grains.Catalog;

namespace OrleansGate.Grains.Masking;

/// <summary>
/// Masks every target gets, whatever its policy says: values no client of the gateway should read
/// through it. Other sessions' statement text (<c>pg_stat_activity.query</c>) can quote the
/// literals of anybody's statement — passwords in ALTER ROLE, the secrets an application writes —
/// so it is redacted, while the rest of the view stays useful for monitoring.
/// </summary>
public static class BuiltInMasks
{
    public static IReadOnlyList<MaskRule> Rules { get; } =
    [
        new("pg_catalog.pg_stat_activity.query", Policy.MaskStrategy.Redact, 0, 0, [], []),
    ];

    /// <summary>An origin masked only because of a built-in mask (the target's own tables are not masked by it).</summary>
    public static bool Covers(MaskingCatalog catalog, MaskedOrigin origin) =>
        origin.Rule >= 0 && origin.Rule < catalog.Rules.Count && Rules.Any(r => r.Column == catalog.Rules[origin.Rule].Column);

    /// <summary>The policy's masks, then the built-in ones (after, so a rule index means the same whether or not the policy masks).</summary>
    public static MaskRule[] With(IEnumerable<MaskRule> configured) => [.. configured, .. Rules];
}
