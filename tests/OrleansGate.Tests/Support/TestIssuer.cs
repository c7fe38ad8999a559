using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OrleansGate.Tests.Support;

/// <summary>
/// An OpenID Connect issuer run by the test on loopback (HttpListener): it serves its discovery
/// document and its key set over HTTP, mints tokens with its keys (an RSA and an EC key to start
/// with), rotates them on request and counts how often its key set was read.
/// </summary>
public sealed class TestIssuer : IDisposable
{
    private readonly LoopbackHttpListener _listener;
    private readonly ConcurrentDictionary<string, SigningKey> _published = new(StringComparer.Ordinal);
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly bool _servesDiscovery;
    private int _keySetReads;

    public sealed record SigningKey(string Kid, string Algorithm, AsymmetricSecurityKey Key, JsonObject Jwk);

    /// <param name="servesDiscovery">False: no discovery document, only the key set (for an issuer configured with JwksUri).</param>
    public TestIssuer(bool servesDiscovery = true)
    {
        _servesDiscovery = servesDiscovery;
        Rsa = NewRsaKey("rsa-1");
        Ec = NewEcKey("ec-1");
        Publish(Rsa);
        Publish(Ec);
        _listener = new LoopbackHttpListener("/", AnswerAsync);
    }

    /// <summary>The issuer's identifier: its URL with a trailing slash, as its tokens' iss.</summary>
    public string Url => _listener.Url;

    public const string Audience = "orleansgate-test";

    public SigningKey Rsa { get; }

    public SigningKey Ec { get; }

    /// <summary>How many times the key set was served.</summary>
    public int KeySetReads => Volatile.Read(ref _keySetReads);

    /// <summary>The <c>OrleansGate:Oidc</c> entry for this issuer.</summary>
    public JsonObject Options(Action<JsonObject>? configure = null)
    {
        var options = new JsonObject { ["Issuer"] = Url, ["Audience"] = Audience, ["ClockSkew"] = "00:00:00", ["KeyRefreshInterval"] = "00:00:01" };
        configure?.Invoke(options);
        return options;
    }

    public static SigningKey NewRsaKey(string kid)
    {
        var rsa = RSA.Create(2048);
        var p = rsa.ExportParameters(false);
        return new SigningKey(kid, SecurityAlgorithms.RsaSha256, new RsaSecurityKey(rsa) { KeyId = kid }, new JsonObject
        {
            ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = kid,
            ["n"] = Base64UrlEncoder.Encode(p.Modulus), ["e"] = Base64UrlEncoder.Encode(p.Exponent),
        });
    }

    public static SigningKey NewEcKey(string kid)
    {
        var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var p = ec.ExportParameters(false);
        return new SigningKey(kid, SecurityAlgorithms.EcdsaSha256, new ECDsaSecurityKey(ec) { KeyId = kid }, new JsonObject
        {
            ["kty"] = "EC", ["use"] = "sig", ["alg"] = "ES256", ["kid"] = kid, ["crv"] = "P-256",
            ["x"] = Base64UrlEncoder.Encode(p.Q.X), ["y"] = Base64UrlEncoder.Encode(p.Q.Y),
        });
    }

    public void Publish(SigningKey key) => _published[key.Kid] = key;

    public void Withdraw(SigningKey key) => _published.TryRemove(key.Kid, out _);

    /// <summary>
    /// A token for <paramref name="subject"/>, valid for <paramref name="lifetime"/> (5 minutes when
    /// null) from now, signed with <paramref name="key"/> (the RSA key when null).
    /// </summary>
    public string Mint(string subject, IEnumerable<string>? groups = null, TimeSpan? lifetime = null, SigningKey? key = null,
        string? issuer = null, string? audience = null, DateTime? notBefore = null, IDictionary<string, object>? extra = null)
    {
        var now = DateTime.UtcNow;
        var expires = now + (lifetime ?? TimeSpan.FromMinutes(5));
        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["sub"] = subject,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["groups"] = (groups ?? ["analysts"]).ToArray(),
        };
        foreach (var (name, value) in extra ?? new Dictionary<string, object>())
        {
            claims[name] = value;
        }

        var signing = key ?? Rsa;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Url,
            Audience = audience ?? Audience,
            Claims = claims,
            IssuedAt = (notBefore ?? now) < expires ? notBefore ?? now : expires.AddMinutes(-10),
            NotBefore = (notBefore ?? now) < expires ? notBefore ?? now : expires.AddMinutes(-10),
            Expires = expires,
            SigningCredentials = new SigningCredentials(signing.Key, signing.Algorithm),
        });
    }

    /// <summary>A token whose header says <paramref name="header"/>, with a valid payload for <paramref name="subject"/> and <paramref name="signature"/> over both.</summary>
    public string Forge(string subject, JsonObject header, Func<byte[], byte[]> signature)
    {
        var now = DateTimeOffset.UtcNow;
        var payload = new JsonObject
        {
            ["iss"] = Url, ["aud"] = Audience, ["sub"] = subject, ["groups"] = new JsonArray("analysts"),
            ["iat"] = now.ToUnixTimeSeconds(), ["nbf"] = now.ToUnixTimeSeconds(), ["exp"] = now.AddMinutes(5).ToUnixTimeSeconds(),
        };
        var signed = Base64UrlEncoder.Encode(header.ToJsonString()) + "." + Base64UrlEncoder.Encode(payload.ToJsonString());
        return signed + "." + Base64UrlEncoder.Encode(signature(Encoding.ASCII.GetBytes(signed)));
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        JsonNode? body = (context.Request.Url?.AbsolutePath ?? string.Empty) switch
        {
            "/.well-known/openid-configuration" when _servesDiscovery => new JsonObject
            {
                ["issuer"] = Url, ["jwks_uri"] = Url + "jwks",
                ["id_token_signing_alg_values_supported"] = new JsonArray("RS256", "ES256"),
            },
            "/jwks" => KeySet(),
            _ => null,
        };
        context.Response.StatusCode = body is null ? 404 : 200;
        context.Response.ContentType = "application/json";
        await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(body?.ToJsonString() ?? "{}"));
    }

    private JsonObject KeySet()
    {
        Interlocked.Increment(ref _keySetReads);
        return new JsonObject { ["keys"] = new JsonArray(_published.Values.Select(k => (JsonNode)JsonNode.Parse(k.Jwk.ToJsonString())!).ToArray()) };
    }

    public void Dispose() => _listener.Dispose();
}
