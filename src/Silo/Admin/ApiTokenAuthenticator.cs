using System.Security.Cryptography;
using System.Text;
using OrleansGate.Grains.Approvals;
using OrleansGate.Grains.Configuration;

namespace OrleansGate.Silo.Admin;

/// <summary>
/// Finds the identity whose <see cref="IdentityOptions.ApiToken"/> a bearer token is. Tokens are
/// compared as SHA-256 hashes with <see cref="CryptographicOperations.FixedTimeEquals"/>, against
/// every identity without stopping at a match, so neither a token's length nor its position
/// leaks through timing. Tokens are never logged. Follows configuration reloads.
/// </summary>
public sealed class ApiTokenAuthenticator(GatewayConfiguration gateway)
{
    /// <summary>The identity acting with this token, or null when no identity has it.</summary>
    public Approver? Authenticate(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        Span<byte> presented = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> expected = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(token), presented);
        IdentityOptions? match = null;
        foreach (var identity in gateway.Current.Identities)
        {
            if (string.IsNullOrEmpty(identity.ApiToken))
            {
                continue;
            }

            SHA256.HashData(Encoding.UTF8.GetBytes(identity.ApiToken), expected);
            if (CryptographicOperations.FixedTimeEquals(presented, expected) && match is null)
            {
                match = identity;
            }
        }

        return match is null ? null : new Approver(match.Name, match.Groups.ToList());
    }

    /// <summary>The token of an <c>Authorization: Bearer &lt;token&gt;</c> header, or null.</summary>
    public static string? BearerToken(string? authorization)
    {
        const string Scheme = "Bearer ";
        return authorization is not null && authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)
            ? authorization[Scheme.Length..].Trim()
            : null;
    }
}
