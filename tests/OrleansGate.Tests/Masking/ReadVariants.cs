using System.Text.RegularExpressions;

namespace OrleansGate.Tests.Masking;

/// <summary>
/// Rewrites each masked read of a corpus into the forms that hid masked columns from name
/// matching: wrapped in a subquery read through functional notation, a join alias used as a
/// whole row or expanded with a star, the whole row cast to text; and the base relation given an
/// alias column list that swaps the masked columns' names, the query left as it was.
/// </summary>
public static partial class ReadVariants
{
    public static IEnumerable<BypassAttempt> Of(IEnumerable<BypassAttempt> corpus) =>
        corpus.Where(IsSingleRead).SelectMany(Variants);

    private static bool IsSingleRead(BypassAttempt attempt) =>
        attempt is { Expect: Expect.Rows, Batches: [var sql] } && BypassAttempt.Statements(sql).Length == 1
        && (sql.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase) || sql.StartsWith("WITH", StringComparison.OrdinalIgnoreCase)
            || sql.StartsWith("TABLE", StringComparison.OrdinalIgnoreCase));

    private static IEnumerable<BypassAttempt> Variants(BypassAttempt read)
    {
        var sql = read.Batches[0];
        yield return Variant(read, "functional", $"SELECT q.quote_literal, 'Ann' AS marker FROM ({sql}) AS q");
        yield return Variant(read, "join-alias-row", $"SELECT row_to_json(j), 'Ann' AS marker FROM (({sql}) AS q CROSS JOIN (SELECT 1 AS one) AS z) AS j");
        yield return Variant(read, "join-alias-star", $"SELECT j.*, 'Ann' AS marker FROM (({sql}) AS q CROSS JOIN (SELECT 1 AS one) AS z) AS j");
        yield return Variant(read, "whole-row-text", $"SELECT q::text, 'Ann' AS marker FROM ({sql}) AS q");
        if (SwapNames(sql) is { } swapped)
        {
            yield return Variant(read, "name-swap", swapped) with { Marker = read.Marker };
        }
    }

    private static BypassAttempt Variant(BypassAttempt read, string kind, string sql) =>
        new($"{read.Name}~{kind}", [sql], Expect.Rows, Marker: "Ann", MinRows: 1) { AlsoForbidden = read.AlsoForbidden };

    /// <summary>
    /// FROM customers [AS] [x] → FROM customers AS x(id, name, email, card_number, ssn): the query's
    /// ssn now reads email, its email card_number, its card_number ssn.
    /// </summary>
    private static string? SwapNames(string sql)
    {
        var swapped = FromCustomers().Replace(sql, m =>
        {
            var alias = m.Groups["alias"].Success && !Keywords.Contains(m.Groups["alias"].Value.ToUpperInvariant()) ? m.Groups["alias"].Value : null;
            var rest = alias is null && m.Groups["alias"].Success ? " " + m.Groups["alias"].Value : string.Empty;
            return $"{m.Groups["from"].Value} customers AS {alias ?? "customers"}(id, name, email, card_number, ssn){rest}";
        });
        return swapped == sql ? null : swapped;
    }

    private static readonly HashSet<string> Keywords =
    [
        "WHERE", "JOIN", "ON", "ORDER", "GROUP", "LIMIT", "CROSS", "LEFT", "RIGHT", "FULL", "INNER", "UNION", "INTERSECT", "EXCEPT",
        "TABLESAMPLE", "NATURAL", "HAVING", "WINDOW", "OFFSET", "FETCH", "FOR",
    ];

    [GeneratedRegex(@"(?<from>\bFROM|\bJOIN|,)\s+(?:ONLY\s+)?(?:public\.)?customers\b(?!\s*\()(?:\s+(?:AS\s+)?(?<alias>[A-Za-z_][A-Za-z0-9_]*))?",
        RegexOptions.IgnoreCase)]
    private static partial Regex FromCustomers();
}
