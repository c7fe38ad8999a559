using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using OrleansGate.Grains.Configuration;

namespace OrleansGate.Proxy.Authentication;

/// <summary>An authenticated gateway identity as the rest of a session sees it.</summary>
public sealed record GatewayIdentity(string Name, IReadOnlyList<string> Groups);

/// <summary>
/// Finds identities and targets in the current configuration and starts SCRAM exchanges for
/// them. A clear-text password in the configuration is turned into a verifier (per process,
/// with a random salt) at start-up and on every configuration change, and kept: PBKDF2 does not
/// run on every login, nor on the first one, whose extra time would tell a known name from an unknown one.
/// </summary>
public sealed class IdentityDirectory
{
    private readonly GatewayConfiguration _configuration;
    private readonly ConcurrentDictionary<string, ScramVerifier> _derived = new(StringComparer.Ordinal);
    private readonly byte[] _mockKey = RandomNumberGenerator.GetBytes(32);

    public IdentityDirectory(GatewayConfiguration configuration)
    {
        _configuration = configuration;
        DeriveAll(configuration.Current);
        configuration.Reloaded += DeriveAll;
    }

    private void DeriveAll(GatewayOptions options)
    {
        foreach (var identity in options.Identities)
        {
            _ = VerifierOf(identity);
        }
    }

    /// <summary>
    /// Starts the SCRAM exchange for <paramref name="userName"/>: the real one when the identity
    /// exists, a mock one that cannot succeed otherwise (so both look the same to the client).
    /// </summary>
    /// <param name="userName">The startup packet's user.</param>
    /// <param name="channelBinding">The TLS connection's <c>tls-server-end-point</c> data, or null (no TLS, or none to bind to).</param>
    public (ScramServerExchange Exchange, GatewayIdentity? Identity) BeginScram(string userName, byte[]? channelBinding = null)
    {
        var options = FindIdentity(userName);
        if (options is null)
        {
            return (ScramServerExchange.Mock(userName, _mockKey, channelBinding), null);
        }

        var identity = new GatewayIdentity(options.Name, options.Groups.ToArray());
        return (ScramServerExchange.For(VerifierOf(options), channelBinding), identity);
    }

    public TargetOptions? FindTarget(string name) => _configuration.TargetFor(name);

    /// <summary>True when <paramref name="userName"/> is a configured identity (it logs in with SCRAM, never with a token).</summary>
    public bool IsConfigured(string userName) => FindIdentity(userName) is not null;

    /// <summary>An identity may use a target when they share at least one group.</summary>
    public static bool MayUse(GatewayIdentity identity, TargetOptions target)
    {
        foreach (var group in identity.Groups)
        {
            if (target.Groups.Contains(group, StringComparer.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private IdentityOptions? FindIdentity(string name)
    {
        foreach (var identity in _configuration.Current.Identities)
        {
            if (string.Equals(identity.Name, name, StringComparison.Ordinal))
            {
                return identity;
            }
        }

        return null;
    }

    private ScramVerifier VerifierOf(IdentityOptions identity)
    {
        if (!string.IsNullOrEmpty(identity.ScramVerifier) && ScramVerifier.TryParse(identity.ScramVerifier, out var stored))
        {
            return stored;
        }

        // Keyed by a hash of name and password, so a changed password gets a new verifier on reload.
        var key = Convert.ToBase64String(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(identity.Name + "\0" + identity.Password)));
        return _derived.GetOrAdd(key, _ => ScramVerifier.FromPassword(identity.Password ?? string.Empty, RandomNumberGenerator.GetBytes(16)));
    }
}

/// <summary>Checks that configured SCRAM verifiers decode (the rest of an identity is checked in Grains).</summary>
public sealed class IdentityCredentialsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.Identities.Count; i++)
        {
            var verifier = options.Identities[i].ScramVerifier;
            if (!string.IsNullOrEmpty(verifier) && !ScramVerifier.TryParse(verifier, out _))
            {
                failures.Add($"{GatewayOptions.Section}:Identities:{i}:ScramVerifier: not of the form " +
                             "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey> (base64)");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
