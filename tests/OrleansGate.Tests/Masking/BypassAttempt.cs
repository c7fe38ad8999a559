namespace OrleansGate.Tests.Masking;

/// <summary>What an attempt must get back so that it proves something: rows (masked) or a refusal.</summary>
public enum Expect
{
    /// <summary>Results arrive, with <see cref="BypassAttempt.Marker"/> (an unmasked value) among them.</summary>
    Rows,
    /// <summary>An ErrorResponse (with <see cref="BypassAttempt.SqlState"/> when given), and no rows for the refused statement.</summary>
    Refused,
}

/// <summary>
/// One attempt to get a masked value out. <see cref="Batches"/> are sent one after another on one
/// session: each is one Query message for psql (its statements separated by "; "), one command for
/// Npgsql, one Parse/Bind/Describe/Execute run per statement before a single Sync for the extended
/// protocol. <see cref="Marker"/> is an unmasked value that must arrive when rows are expected, so an
/// attempt that failed for a trivial reason cannot pass; <see cref="MinRows"/> counts DataRow (or COPY
/// data) messages of the whole session.
/// </summary>
public sealed record BypassAttempt(string Name, string[] Batches, Expect Expect, string? Marker = "Ann", int MinRows = 1,
    string? SqlState = null)
{
    /// <summary>Pieces of a secret this attempt would reveal (beyond the secrets' own forms) that must not reach a client either.</summary>
    public IReadOnlyList<string> AlsoForbidden { get; init; } = [];

    public static BypassAttempt Rows(string name, string sql, string? marker = "Ann", int minRows = 1) =>
        new(name, [sql], Expect.Rows, marker, minRows);

    public static BypassAttempt Refused(string name, string sql, string? sqlState = "42501") =>
        new(name, [sql], Expect.Refused, null, 0, sqlState);

    public bool IsCopy(string batch) => batch.TrimStart().StartsWith("COPY", StringComparison.OrdinalIgnoreCase);

    public static bool IsBinaryCopy(string batch) => batch.Contains("binary", StringComparison.OrdinalIgnoreCase);

    public static string[] Statements(string batch) => batch.Split("; ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => Name;
}
