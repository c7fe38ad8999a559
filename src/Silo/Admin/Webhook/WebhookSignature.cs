using System.Security.Cryptography;
using System.Text;

namespace OrleansGate.Silo.Admin.Webhook;

/// <summary>
/// <c>X-OrleansGate-Signature: sha256=&lt;hex&gt;</c>: HMAC-SHA256 of the exact body bytes, keyed
/// by the UTF-8 bytes of <c>OrleansGate:Admin:Webhook:Secret</c>. A receiver recomputes it over
/// the raw body and compares in constant time.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "X-OrleansGate-Signature";
    public const string Prefix = "sha256=";

    public static string Compute(string secret, ReadOnlySpan<byte> body) =>
        Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
}
