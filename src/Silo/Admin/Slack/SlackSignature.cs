using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OrleansGate.Silo.Admin.Slack;

/// <summary>
/// Slack's request signing: <c>X-Slack-Signature: v0=&lt;hex HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)&gt;</c>
/// with <c>X-Slack-Request-Timestamp</c> in Unix seconds; a timestamp more than five minutes from
/// now is refused, so a captured callback cannot be replayed later.
/// </summary>
public static class SlackSignature
{
    public const string SignatureHeader = "X-Slack-Signature";
    public const string TimestampHeader = "X-Slack-Request-Timestamp";
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    public static string Compute(string secret, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"v0:{timestamp}:");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return "v0=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    /// <summary>Null when the request is Slack's, signed now; else why not.</summary>
    public static string? Problem(string secret, string? timestamp, string? signature, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || string.IsNullOrEmpty(signature))
        {
            return "no Slack signature";
        }

        if ((now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > MaxAge)
        {
            return "the Slack timestamp is more than 5 minutes away";
        }

        var expected = Encoding.ASCII.GetBytes(Compute(secret, timestamp!, body));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature)) ? null : "the Slack signature does not verify";
    }
}
