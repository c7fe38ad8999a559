using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace OrleansGate.Proxy.Authentication;

/// <summary>
/// The client side of SCRAM-SHA-256 (RFC 5802), used to log in to an upstream server with the
/// gateway-held password. Channel binding is not used ("n,,"). The server's final signature
/// is checked, so a server that does not know the password cannot pretend to.
/// </summary>
public sealed class ScramClientExchange
{
    private const int MaxIterations = 10_000_000;

    // PBKDF2 costs a few milliseconds per login; the salted password only changes when the
    // upstream password or salt does, so it is kept per (password, salt, iterations).
    private static readonly ConcurrentDictionary<string, byte[]> SaltedPasswords = new(StringComparer.Ordinal);

    private readonly string _password;
    private readonly string _clientNonce;
    private readonly string _clientFirstBare;
    private byte[]? _expectedServerSignature;

    // PostgreSQL ignores the user name inside SCRAM (the startup packet names the role), so it is
    // sent empty, as libpq does.
    public ScramClientExchange(string password)
        : this(password, userName: string.Empty, Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)))
    {
    }

    /// <summary>Test seam: a fixed user name and client nonce, so a test can replay a published SCRAM example.</summary>
    internal ScramClientExchange(string password, string userName, string clientNonce)
    {
        _password = password;
        _clientNonce = clientNonce;
        _clientFirstBare = "n=" + userName + ",r=" + _clientNonce;
    }

    public byte[] ClientFirst() => Encoding.UTF8.GetBytes("n,," + _clientFirstBare);

    /// <summary>Answers server-first-message with client-final-message; null with an error when it is invalid.</summary>
    public byte[]? HandleServerFirst(ReadOnlySpan<byte> message, out string? error)
    {
        error = null;
        var serverFirst = Encoding.UTF8.GetString(message);
        var attributes = ScramAttributes.Parse(serverFirst);
        if (attributes is null || attributes.Count < 3 || attributes[0].Name != 'r' || attributes[1].Name != 's' ||
            attributes[2].Name != 'i')
        {
            error = "malformed SCRAM server-first-message";
            return null;
        }

        var nonce = attributes[0].Value;
        var salt = ScramAttributes.TryFromBase64(attributes[1].Value);
        if (!nonce.StartsWith(_clientNonce, StringComparison.Ordinal) || nonce.Length <= _clientNonce.Length ||
            !ScramAttributes.IsValidNonce(nonce) || salt is null || salt.Length == 0 ||
            !int.TryParse(attributes[2].Value, System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var iterations) || iterations is < 1 or > MaxIterations)
        {
            error = "invalid SCRAM server-first-message (nonce, salt or iteration count)";
            return null;
        }

        var cacheKey = string.Join('\n', Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(_password))),
            attributes[1].Value, iterations.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var salted = SaltedPasswords.GetOrAdd(cacheKey, _ => Rfc2898DeriveBytes.Pbkdf2(
            Encoding.UTF8.GetBytes(SaslPrep.Normalize(_password)), salt, iterations, HashAlgorithmName.SHA256, 32));
        var keys = ScramKeys.FromSaltedPassword(salted);

        var clientFinalWithoutProof = "c=biws,r=" + nonce;
        var authMessage = Encoding.UTF8.GetBytes($"{_clientFirstBare},{serverFirst},{clientFinalWithoutProof}");
        var clientSignature = HMACSHA256.HashData(keys.StoredKey, authMessage);
        var proof = new byte[32];
        for (var i = 0; i < proof.Length; i++)
        {
            proof[i] = (byte)(keys.ClientKey[i] ^ clientSignature[i]);
        }

        _expectedServerSignature = HMACSHA256.HashData(keys.ServerKey, authMessage);
        return Encoding.UTF8.GetBytes($"{clientFinalWithoutProof},p={Convert.ToBase64String(proof)}");
    }

    /// <summary>True when server-final-message carries the signature only a server knowing the password can make.</summary>
    public bool VerifyServerFinal(ReadOnlySpan<byte> message)
    {
        if (_expectedServerSignature is null)
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(message);
        var attributes = ScramAttributes.Parse(text);
        if (attributes is null || attributes.Count < 1 || attributes[0].Name != 'v')
        {
            return false;
        }

        var signature = ScramAttributes.TryFromBase64(attributes[0].Value);
        return signature is not null && CryptographicOperations.FixedTimeEquals(signature, _expectedServerSignature);
    }
}
