namespace OrleansGate.Grains.Configuration;

/// <summary>
/// An OpenID Connect issuer whose tokens log clients in (<c>OrleansGate:Oidc:N</c>): a client gives
/// its user name and a token of this issuer as its password. Documented in docs/identities.md.
/// </summary>
public sealed class OidcIssuerOptions
{
    /// <summary>The <c>iss</c> its tokens carry, exactly; its discovery document is at <c>{Issuer}/.well-known/openid-configuration</c>.</summary>
    public string Issuer { get; set; } = string.Empty;

    /// <summary>The <c>aud</c> a token must carry to be accepted here.</summary>
    public string Audience { get; set; } = string.Empty;

    /// <summary>The claim that must equal the user name the client logs in with.</summary>
    public string NameClaim { get; set; } = "sub";

    /// <summary>The claim whose values are the identity's groups.</summary>
    public string GroupsClaim { get; set; } = "groups";

    /// <summary>
    /// Claim value to gateway group. When given, only mapped values become groups; when empty, the
    /// claim's values are the gateway groups as they are.
    /// </summary>
    public Dictionary<string, string> GroupMap { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The signing algorithms accepted (asymmetric only); RS256 and ES256 when empty.</summary>
    public List<string> AllowedAlgorithms { get; set; } = [];

    /// <summary>Tolerance on <c>exp</c> and <c>nbf</c> for clocks that disagree.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The issuer's key set, when not the one its discovery document names.</summary>
    public string? JwksUri { get; set; }

    /// <summary>False: a session ends when its token expires (57P01). True: the token only has to be valid at login.</summary>
    public bool SessionsOutliveToken { get; set; }

    /// <summary>
    /// A token signed by a key the gateway does not know makes it fetch the issuer's keys again,
    /// at most once per this interval (keys rotate; unknown keys must not make it hammer the issuer).
    /// </summary>
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    public static readonly IReadOnlyList<string> DefaultAlgorithms = ["RS256", "ES256"];

    /// <summary>The asymmetric JWS algorithms; HS* would verify with the public key as secret, <c>none</c> with nothing.</summary>
    public static readonly IReadOnlySet<string> AsymmetricAlgorithms =
        new HashSet<string>(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"], StringComparer.Ordinal);

    public IReadOnlyList<string> Algorithms => AllowedAlgorithms.Count > 0 ? AllowedAlgorithms : DefaultAlgorithms;

    /// <summary>Where the keys are: <see cref="JwksUri"/>, else the discovery document.</summary>
    public string MetadataAddress => string.IsNullOrEmpty(JwksUri) ? Issuer.TrimEnd('/') + "/.well-known/openid-configuration" : JwksUri;

    /// <summary>
    /// Metadata must come over HTTPS, except from this machine (an issuer running next to the
    /// gateway, or a test's): nobody on the network can substitute keys on loopback.
    /// </summary>
    public static bool IsAcceptableMetadataAddress(string address) =>
        Uri.TryCreate(address, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback));
}
