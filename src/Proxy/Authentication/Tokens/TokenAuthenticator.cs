using System.Collections.Concurrent;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OrleansGate.Grains.Configuration;
using OrleansGate.Grains.Sessions;

namespace OrleansGate.Proxy.Authentication.Tokens;

/// <summary>
/// A token that logged a client in: the identity it names, the token's facts for the record, and
/// when the session must end because the token has expired (null when the issuer lets sessions
/// outlive their token).
/// </summary>
public sealed record TokenLogin(GatewayIdentity Identity, LoginToken Token, DateTimeOffset? SessionEndsAt);

/// <summary>A token that did not: why (one line for the client and the record) and what it claimed, unverified.</summary>
public sealed record TokenRefusal(string Reason, LoginToken? Claimed);

/// <summary>
/// Checks a token a client gave as its password against the configured OIDC issuers
/// (<c>OrleansGate:Oidc</c>) with Microsoft.IdentityModel: signature by one of the issuer's keys
/// with an allowed asymmetric algorithm, <c>iss</c>, <c>aud</c>, <c>exp</c> (required) and
/// <c>nbf</c>; then the user name must equal the token's name claim. Groups come from the claims.
/// </summary>
public sealed class TokenAuthenticator(GatewayConfiguration configuration, HttpClient http, TimeProvider clock,
    Grains.Telemetry.GatewayMetrics? metrics = null)
{
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    // Keyed by every setting that decides where and how often keys are read: a reload that
    // changes none of them keeps the keys already read.
    private readonly ConcurrentDictionary<(string Issuer, string Address, TimeSpan Refresh), IssuerKeys> _keys = new();

    public bool Enabled => configuration.Current.Oidc.Count > 0;

    /// <summary>Key reads so far, all issuers (metrics and tests).</summary>
    public int KeyReads => _keys.Values.Sum(k => k.Reads);

    /// <summary>A token given as a client's password: it must name <paramref name="userName"/>.</summary>
    public Task<(TokenLogin? Login, TokenRefusal? Refusal)> AuthenticateAsync(string userName, string token, CancellationToken cancellationToken) =>
        CheckAsync(userName, token, cancellationToken);

    /// <summary>A bearer token on the admin API: the identity is whoever its name claim names.</summary>
    public Task<(TokenLogin? Login, TokenRefusal? Refusal)> AuthenticateBearerAsync(string token, CancellationToken cancellationToken) =>
        CheckAsync(null, token, cancellationToken);

    private async Task<(TokenLogin? Login, TokenRefusal? Refusal)> CheckAsync(string? userName, string token, CancellationToken cancellationToken)
    {
        JsonWebToken read;
        try
        {
            read = _handler.ReadJsonWebToken(token);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenMalformedException)
        {
            return Refused("the password is not a token (a JWT signed by a trusted issuer)", null);
        }

        var claimed = new LoginToken(Claim(read, "iss"), Claim(read, "sub"), Claim(read, "jti"), Expiry(read));
        var issuer = configuration.Current.Oidc.Find(o => string.Equals(o.Issuer, claimed.Issuer, StringComparison.Ordinal));
        if (issuer is null)
        {
            return Refused("the token's issuer is not trusted", claimed);
        }

        // Before any key is looked at: "none" and HMAC (keyed with the public key anyone can fetch)
        // are never on the list, and a token that asks for them is refused for what it is.
        if (!issuer.Algorithms.Contains(read.Alg, StringComparer.Ordinal))
        {
            return Refused($"the token's signing algorithm '{read.Alg}' is not allowed", claimed);
        }

        var keys = _keys.GetOrAdd((issuer.Issuer, issuer.MetadataAddress, issuer.KeyRefreshInterval), _ => new IssuerKeys(issuer, http, clock, metrics));
        TokenValidationResult result;
        try
        {
            result = await ValidateAsync(token, issuer, await keys.CurrentAsync(cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
            if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
            {
                // A key this gateway has not seen: perhaps the issuer rotated. Read its keys again (rate-limited) and try once more.
                result = await ValidateAsync(token, issuer, await keys.RefreshAsync(cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException or InvalidOperationException or ArgumentException
                                      or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return Refused($"the issuer's keys could not be read ({e.GetType().Name}); try again later", claimed);
        }

        if (!result.IsValid)
        {
            return Refused(Why(result.Exception), claimed);
        }

        var verified = (JsonWebToken)result.SecurityToken;
        var name = Claim(verified, issuer.NameClaim);
        if (string.IsNullOrEmpty(name))
        {
            return Refused($"the token has no {issuer.NameClaim} claim to name its user", claimed);
        }

        if (userName is not null && !string.Equals(name, userName, StringComparison.Ordinal))
        {
            return Refused($"the token's {issuer.NameClaim} claim does not name user \"{userName}\"", claimed);
        }

        var groups = verified.Claims.Where(c => c.Type == issuer.GroupsClaim).Select(c => c.Value)
            .Select(v => issuer.GroupMap.Count == 0 ? v : issuer.GroupMap.GetValueOrDefault(v))
            .OfType<string>().Where(g => g.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
        var facts = new LoginToken(issuer.Issuer, Claim(verified, "sub"), Claim(verified, "jti"), Expiry(verified));
        // The same tolerance as at login, so a token accepted within the skew does not end the session at once.
        var endsAt = issuer.SessionsOutliveToken ? null : facts.ExpiresAt + issuer.ClockSkew;
        return (new TokenLogin(new GatewayIdentity(name, groups), facts, endsAt), null);
    }

    private Task<TokenValidationResult> ValidateAsync(string token, OidcIssuerOptions issuer, IReadOnlyList<SecurityKey> keys) =>
        _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = issuer.Issuer,
            ValidAudience = issuer.Audience,
            ValidAlgorithms = issuer.Algorithms,
            IssuerSigningKeys = keys,
            ClockSkew = issuer.ClockSkew,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateLifetime = true,
            // A token without a kid may be checked against every key; one with a kid only against that key.
            TryAllIssuerSigningKeys = true,
            LifetimeValidator = (notBefore, expires, _, parameters) => Lifetime(notBefore, expires, parameters),
        });

    // The handler's own check reads DateTime.UtcNow; this one reads the gateway's clock, same rules.
    private bool Lifetime(DateTime? notBefore, DateTime? expires, TokenValidationParameters parameters)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (expires is null)
        {
            throw new SecurityTokenNoExpirationException("the token has no expiry");
        }

        if (notBefore is { } nbf && nbf > now + parameters.ClockSkew)
        {
            throw new SecurityTokenNotYetValidException("not yet valid") { NotBefore = nbf };
        }

        if (expires.Value < now - parameters.ClockSkew)
        {
            throw new SecurityTokenExpiredException("expired") { Expires = expires.Value };
        }

        return true;
    }

    private static string Why(Exception? e) => e switch
    {
        SecurityTokenExpiredException => "the token has expired",
        SecurityTokenNotYetValidException => "the token is not valid yet (nbf)",
        SecurityTokenNoExpirationException => "the token has no expiry (exp)",
        SecurityTokenInvalidIssuerException => "the token's issuer is not trusted",
        SecurityTokenInvalidAudienceException => "the token is not meant for this gateway (aud)",
        SecurityTokenInvalidAlgorithmException => "the token's signing algorithm is not allowed",
        SecurityTokenSignatureKeyNotFoundException => "the token is signed with a key the issuer does not publish",
        SecurityTokenInvalidSignatureException => "the token's signature does not verify",
        SecurityTokenMalformedException => "the password is not a token (a JWT signed by a trusted issuer)",
        _ => "the token does not verify",
    };

    private static (TokenLogin?, TokenRefusal?) Refused(string reason, LoginToken? claimed) => (null, new TokenRefusal(reason, claimed));

    private static string? Claim(JsonWebToken token, string type) => token.TryGetPayloadValue<object>(type, out var value) ? value?.ToString() : null;

    private static DateTimeOffset? Expiry(JsonWebToken token) =>
        token.TryGetPayloadValue<long>("exp", out var exp) ? DateTimeOffset.FromUnixTimeSeconds(exp) : null;
}
