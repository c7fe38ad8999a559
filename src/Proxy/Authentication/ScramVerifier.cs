using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OrleansGate.Proxy.Authentication;

/// <summary>
/// What a server stores to check SCRAM-SHA-256 proofs (RFC 5802 §3): the salt, the iteration
/// count, StoredKey = H(ClientKey) and ServerKey. Written in PostgreSQL's format
/// <c>SCRAM-SHA-256$&lt;iterations&gt;:&lt;salt&gt;$&lt;StoredKey&gt;:&lt;ServerKey&gt;</c> (base64), so a verifier
/// can be copied from <c>pg_authid.rolpassword</c> into the gateway's configuration.
/// </summary>
public sealed class ScramVerifier
{
    public const string Prefix = "SCRAM-SHA-256$";
    public const int DefaultIterations = 4096;
    private const int MaxIterations = 10_000_000;

    public ScramVerifier(byte[] salt, int iterations, byte[] storedKey, byte[] serverKey)
    {
        Salt = salt;
        Iterations = iterations;
        StoredKey = storedKey;
        ServerKey = serverKey;
    }

    public byte[] Salt { get; }

    public int Iterations { get; }

    public byte[] StoredKey { get; }

    public byte[] ServerKey { get; }

    public static ScramVerifier FromPassword(string password, byte[] salt, int iterations = DefaultIterations)
    {
        var keys = ScramKeys.Derive(password, salt, iterations);
        return new ScramVerifier(salt, iterations, keys.StoredKey, keys.ServerKey);
    }

    public static bool TryParse(string text, out ScramVerifier verifier)
    {
        verifier = null!;
        if (!text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = text[Prefix.Length..].Split('$');
        if (parts.Length != 2)
        {
            return false;
        }

        var head = parts[0].Split(':');
        var keys = parts[1].Split(':');
        if (head.Length != 2 || keys.Length != 2 ||
            !int.TryParse(head[0], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) ||
            iterations is < 1 or > MaxIterations)
        {
            return false;
        }

        try
        {
            var salt = Convert.FromBase64String(head[1]);
            var stored = Convert.FromBase64String(keys[0]);
            var server = Convert.FromBase64String(keys[1]);
            if (salt.Length == 0 || stored.Length != 32 || server.Length != 32)
            {
                return false;
            }

            verifier = new ScramVerifier(salt, iterations, stored, server);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture,
            $"{Prefix}{Iterations}:{Convert.ToBase64String(Salt)}${Convert.ToBase64String(StoredKey)}:{Convert.ToBase64String(ServerKey)}");
}

/// <summary>The SCRAM-SHA-256 key schedule (RFC 5802 §3), shared by the server and client sides.</summary>
public readonly record struct ScramKeys(byte[] ClientKey, byte[] StoredKey, byte[] ServerKey)
{
    public static ScramKeys Derive(string password, byte[] salt, int iterations)
    {
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(SaslPrep.Normalize(password)), salt, iterations,
            HashAlgorithmName.SHA256, 32);
        return FromSaltedPassword(salted);
    }

    public static ScramKeys FromSaltedPassword(byte[] saltedPassword)
    {
        var clientKey = HMACSHA256.HashData(saltedPassword, "Client Key"u8);
        var serverKey = HMACSHA256.HashData(saltedPassword, "Server Key"u8);
        return new ScramKeys(clientKey, SHA256.HashData(clientKey), serverKey);
    }
}
