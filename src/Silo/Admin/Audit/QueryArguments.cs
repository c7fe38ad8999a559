using System.Globalization;

namespace OrleansGate.Silo.Admin.Audit;

/// <summary>The query-string arguments of the audit reads, parsed in one place: a bad one is a 400 naming it.</summary>
internal static class QueryArguments
{
    /// <summary>An ISO 8601 time (<c>2026-12-07T10:00:00Z</c>, or a date); null when absent.</summary>
    public static bool TryTime(string? text, out DateTimeOffset? time)
    {
        time = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return false;
        }

        time = parsed;
        return true;
    }

    /// <summary>A whole number within [1, max], <paramref name="fallback"/> when absent.</summary>
    public static bool TryCount(string? text, int fallback, int max, out int count)
    {
        count = fallback;
        return string.IsNullOrWhiteSpace(text)
               || (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out count) && count >= 1 && count <= max);
    }
}
