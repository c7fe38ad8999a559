namespace OrleansGate.Grains.Configuration;

/// <summary>
/// The identities and targets of the gateway: section <c>OrleansGate</c> (keys
/// <c>OrleansGate:Identities</c> and <c>OrleansGate:Targets</c>). Documented in docs/configuration.md.
/// </summary>
public sealed class GatewayOptions
{
    public const string Section = "OrleansGate";

    public List<IdentityOptions> Identities { get; set; } = [];

    public List<TargetOptions> Targets { get; set; } = [];

    public List<Policy.PolicyOptions> Policies { get; set; } = [];

    public SecretsOptions Secrets { get; set; } = new();

    /// <summary>Issuers whose tokens log clients in, besides the identities above.</summary>
    public List<OidcIssuerOptions> Oidc { get; set; } = [];
}

/// <summary>Keys the gateway holds (<c>OrleansGate:Secrets</c>), each base64 of 32 random bytes.</summary>
public sealed class SecretsOptions
{
    /// <summary>Keys the Hash masking strategy (HMAC-SHA256); required when a mask uses Hash.</summary>
    public string? MaskingKey { get; set; }

    /// <summary>Keys the audit record's hash chain.</summary>
    public string? AuditKey { get; set; }

    public const int KeyBytes = 32;

    /// <summary>The key's bytes, or null when it is not base64 of <see cref="KeyBytes"/> bytes.</summary>
    public static byte[]? Decode(string? base64)
    {
        if (string.IsNullOrEmpty(base64))
        {
            return null;
        }

        var bytes = new byte[KeyBytes + 3];
        return Convert.TryFromBase64String(base64, bytes, out var written) && written == KeyBytes ? bytes[..KeyBytes] : null;
    }
}

/// <summary>A person or service that logs in to the gateway (<c>OrleansGate:Identities:N</c>).</summary>
public sealed class IdentityOptions
{
    public string Name { get; set; } = string.Empty;

    /// <summary>The password in clear; the gateway keeps only a SCRAM verifier derived from it.</summary>
    public string? Password { get; set; }

    /// <summary>A SCRAM-SHA-256 verifier in PostgreSQL's format, instead of <see cref="Password"/>.</summary>
    public string? ScramVerifier { get; set; }

    public List<string> Groups { get; set; } = [];

    /// <summary>The bearer token this identity uses on the admin API.</summary>
    public string? ApiToken { get; set; }
}

/// <summary>How the gateway protects its connection to a target (libpq's sslmode names).</summary>
public enum UpstreamSslMode
{
    /// <summary>Plain TCP.</summary>
    Disable,
    /// <summary>TLS when the server offers it, without checking its certificate; plain otherwise.</summary>
    Prefer,
    /// <summary>TLS or no connection; the certificate is not checked.</summary>
    Require,
    /// <summary>TLS with a certificate that chains to a trusted root and names the host.</summary>
    VerifyFull,
}

/// <summary>A database the gateway fronts (<c>OrleansGate:Targets:N</c>); clients name it as their dbname.</summary>
public sealed class TargetOptions
{
    public string Name { get; set; } = string.Empty;

    public string Host { get; set; } = string.Empty;

    public int Port { get; set; } = 5432;

    /// <summary>The upstream database name; the target's name when empty.</summary>
    public string? Database { get; set; }

    /// <summary>The upstream role; held by the gateway, never shown to clients.</summary>
    public string Username { get; set; } = string.Empty;

    /// <summary>The upstream password; held by the gateway, never shown to clients.</summary>
    public string Password { get; set; } = string.Empty;

    public UpstreamSslMode SslMode { get; set; } = UpstreamSslMode.Prefer;

    /// <summary>A PEM file of CA certificates trusted for <see cref="UpstreamSslMode.VerifyFull"/>; the system store when empty.</summary>
    public string? RootCertificate { get; set; }

    /// <summary>Identity groups allowed to use this target. An identity in none of them is refused.</summary>
    public List<string> Groups { get; set; } = [];

    /// <summary>The name of the policy applied to sessions on this target.</summary>
    public string? Policy { get; set; }

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A production database: rules with the <c>ProductionDdl</c> condition hold DDL on it.</summary>
    public bool Production { get; set; }

    /// <summary>
    /// Local testing only: accept a token as password on a connection without TLS. Otherwise a
    /// token, a bearer credential, is asked for only over TLS.
    /// </summary>
    public bool AllowTokensWithoutTls { get; set; }

    public string UpstreamDatabase => string.IsNullOrEmpty(Database) ? Name : Database;
}
