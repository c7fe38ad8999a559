using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;
using OrleansGate.Grains.Approvals;
using OrleansGate.Grains.Audit.Chain;
using OrleansGate.Grains.Configuration;

namespace OrleansGate.Silo.Admin.Console;

/// <summary>
/// The web console's sign-in, kept in a cookie the gateway signs (HMAC-SHA256 with a key derived
/// from the audit key, which the database never holds), so that any silo reads it: the identity,
/// how it signed in, its groups (a token's, for OIDC) and when it lapses. The cookie is HttpOnly,
/// SameSite=Strict and Secure over TLS; a console request that changes anything must also carry
/// the session's CSRF token (a header a page of another site cannot set), derived from the cookie.
/// </summary>
public sealed class ConsoleSession(ChainKey keys, GatewayConfiguration gateway, TimeProvider clock)
{
    public const string CookieName = "og_console";
    public const string CsrfHeader = "X-OrleansGate-Csrf";

    /// <summary>The longest a console sign-in lasts (less when the OIDC token it came from expires sooner).</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    private readonly byte[] _key = keys.Derive("console-session");

    private sealed record Payload(string Identity, string[] Groups, long Expires, bool Oidc);

    /// <summary>Signs <paramref name="who"/> in: the cookie value.</summary>
    public string Issue(Approver who, bool oidc, DateTimeOffset? tokenExpires)
    {
        var expires = clock.GetUtcNow() + Lifetime;
        if (tokenExpires is { } limit && limit < expires)
        {
            expires = limit;
        }

        var payload = Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(new Payload(who.Identity, [.. who.Groups], expires.ToUnixTimeSeconds(), oidc)));
        return $"{payload}.{Base64UrlEncoder.Encode(Sign("session\n" + payload))}";
    }

    /// <summary>
    /// The identity a cookie signs in, or null (bad signature, lapsed, or a configured identity
    /// that is no longer configured). A configured identity's groups are read from the
    /// configuration in force, so a change there applies to signed-in consoles at once.
    /// </summary>
    public Approver? Read(string? cookie)
    {
        if (string.IsNullOrEmpty(cookie) || cookie.Split('.') is not [var payload, var signature])
        {
            return null;
        }

        byte[] presented;
        Payload? read;
        try
        {
            presented = Base64UrlEncoder.DecodeBytes(signature);
            if (!CryptographicOperations.FixedTimeEquals(presented, Sign("session\n" + payload)))
            {
                return null;
            }

            read = JsonSerializer.Deserialize<Payload>(Base64UrlEncoder.DecodeBytes(payload));
        }
        catch (Exception e) when (e is FormatException or JsonException or ArgumentException)
        {
            return null;
        }

        if (read is null || DateTimeOffset.FromUnixTimeSeconds(read.Expires) <= clock.GetUtcNow())
        {
            return null;
        }

        if (read.Oidc)
        {
            return new Approver(read.Identity, read.Groups);
        }

        var configured = gateway.Current.Identities.Find(i => string.Equals(i.Name, read.Identity, StringComparison.Ordinal));
        return configured is null || string.IsNullOrEmpty(configured.ApiToken) ? null : new Approver(configured.Name, [.. configured.Groups]);
    }

    /// <summary>The CSRF token of a cookie.</summary>
    public string CsrfOf(string cookie) => Base64UrlEncoder.Encode(Sign("csrf\n" + cookie));

    /// <summary>Whether a request carries its cookie's CSRF token (compared in constant time).</summary>
    public bool HasCsrf(HttpRequest request, string cookie)
    {
        var presented = request.Headers[CsrfHeader].ToString();
        return presented.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(presented), Encoding.ASCII.GetBytes(CsrfOf(cookie)));
    }

    public static CookieOptions CookieOptions(HttpRequest request, DateTimeOffset? expires = null) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = request.IsHttps,
        Path = "/",
        Expires = expires,
    };

    private byte[] Sign(string text) => HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(text));
}
