using System.Text;
using System.Text.RegularExpressions;

namespace OrleansGate.Proxy.Upstream;

/// <summary>
/// The <c>application_name</c> a session has upstream (<c>Proxy:UpstreamApplicationName</c>):
/// the database's own tools — pg_stat_activity, <c>%a</c> in log_line_prefix, pgaudit — then show
/// which identity is behind each statement. The client's own name is kept in the session's record.
/// </summary>
public static partial class UpstreamApplicationName
{
    public const string DefaultTemplate = "orleansgate:{identity}";

    /// <summary>The placeholders a template may use.</summary>
    public static readonly IReadOnlyList<string> Placeholders = ["{identity}", "{session}", "{application}"];

    /// <summary>PostgreSQL keeps at most NAMEDATALEN - 1 bytes of it.</summary>
    private const int MaxBytes = 63;

    /// <summary>The placeholders of <paramref name="template"/> the gateway does not know.</summary>
    public static IEnumerable<string> UnknownPlaceholders(string template) =>
        Placeholder().Matches(template).Select(m => m.Value).Where(p => !Placeholders.Contains(p));

    /// <summary>
    /// The template with its placeholders filled in, as PostgreSQL would keep it: printable ASCII
    /// only (it replaces anything else with '?' itself), at most 63 bytes.
    /// </summary>
    public static string Render(string template, string identity, string session, string? application)
    {
        var value = template.Replace("{identity}", identity, StringComparison.Ordinal)
            .Replace("{session}", session, StringComparison.Ordinal)
            .Replace("{application}", application ?? string.Empty, StringComparison.Ordinal);
        var printable = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            printable.Append(c is >= ' ' and <= '~' ? c : '?');
        }

        return printable.Length <= MaxBytes ? printable.ToString() : printable.ToString(0, MaxBytes);
    }

    /// <summary>The statement that puts it back upstream after a client changed it (a string literal with quotes doubled).</summary>
    public static string ResetStatement(string value) => $"SET application_name = '{value.Replace("'", "''", StringComparison.Ordinal)}'";

    [GeneratedRegex(@"\{[^{}]*\}")]
    private static partial Regex Placeholder();
}
