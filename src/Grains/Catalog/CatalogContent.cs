namespace OrleansGate.Grains.Catalog;

/// <summary>
/// Whether two snapshots say the same thing, so that <see cref="MaskingCatalog.Version"/> moves only
/// when something a caller acts on changed. (The records hold lists, whose record equality is by
/// reference, hence the comparison by element.) A changed <see cref="MaskingCatalog.Error"/> counts:
/// a caller keyed on the version must learn that it now has to fail closed.
/// </summary>
internal static class CatalogContent
{
    public static bool Same(MaskingCatalog a, MaskingCatalog b) =>
        a.Error == b.Error
        && SameRules(a.Rules, b.Rules)
        && a.Origins.SequenceEqual(b.Origins)
        && a.Relations.Count == b.Relations.Count && a.Relations.Zip(b.Relations).All(p => SameRelation(p.First, p.Second))
        && a.UserFunctions.SequenceEqual(b.UserFunctions, StringComparer.Ordinal)
        && a.Functions.SequenceEqual(b.Functions) && a.UserOperators.SequenceEqual(b.UserOperators, StringComparer.Ordinal)
        && a.TextTypes.SequenceEqual(b.TextTypes);

    public static bool SameRules(IReadOnlyList<MaskRule> a, IReadOnlyList<MaskRule> b) =>
        a.Count == b.Count && a.Zip(b).All(p => SameRule(p.First, p.Second));

    private static bool SameRule(MaskRule a, MaskRule b) =>
        a.Column == b.Column && a.Strategy == b.Strategy && a.KeepFirst == b.KeepFirst && a.KeepLast == b.KeepLast
        && a.Detectors.SequenceEqual(b.Detectors) && a.Unmasked.SequenceEqual(b.Unmasked, StringComparer.Ordinal);

    private static bool SameRelation(MaskedRelation a, MaskedRelation b) =>
        a.Oid == b.Oid && a.Schema == b.Schema && a.Name == b.Name && a.Kind == b.Kind
        && a.Columns.SequenceEqual(b.Columns, StringComparer.Ordinal) && a.AttributeNumbers.SequenceEqual(b.AttributeNumbers);
}
