using System.Globalization;
using System.Text.RegularExpressions;

namespace OrleansGate.ReplayTool.Approvals;

/// <summary>Durations as operators type them: <c>90s</c>, <c>10m</c>, <c>2h</c>, <c>1h30m</c>, <c>1d</c>, or <c>hh:mm:ss</c>.</summary>
public static partial class DurationText
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (text.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration > TimeSpan.Zero;
        }

        var match = Units().Match(text);
        if (!match.Success || match.Length == 0)
        {
            return false;
        }

        duration = TimeSpan.FromDays(Number(match, "d")) + TimeSpan.FromHours(Number(match, "h")) +
                   TimeSpan.FromMinutes(Number(match, "m")) + TimeSpan.FromSeconds(Number(match, "s"));
        return duration > TimeSpan.Zero;
    }

    private static int Number(Match match, string unit) =>
        match.Groups[unit].Success ? int.Parse(match.Groups[unit].Value, CultureInfo.InvariantCulture) : 0;

    [GeneratedRegex(@"^(?:(?<d>\d{1,4})d)?(?:(?<h>\d{1,5})h)?(?:(?<m>\d{1,6})m)?(?:(?<s>\d{1,7})s)?$", RegexOptions.IgnoreCase)]
    private static partial Regex Units();
}
