using System.Globalization;
using OrleansGate.ReplayTool.Cli;

namespace OrleansGate.ReplayTool.Store;

/// <summary>
/// A --since/--until value: an ISO 8601 time or date (UTC unless it says otherwise), or a
/// duration back from now (<c>30m</c>, <c>2h</c>, <c>7d</c>).
/// </summary>
internal static class TimeArgument
{
    public static DateTimeOffset? Parse(string? text, string option, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = text.Trim();
        if (text.Length > 1 && double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) &&
            amount >= 0)
        {
            TimeSpan? ago = text[^1] switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                'd' => TimeSpan.FromDays(amount),
                _ => null,
            };
            if (ago is { } span)
            {
                return now - span;
            }
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            return at;
        }

        throw new CommandFailedException($"{option}: '{text}' is not a time (2026-05-01T10:00:00Z, 2026-05-01) or a duration ago (30m, 2h, 7d)",
            ExitCodes.Usage);
    }
}
