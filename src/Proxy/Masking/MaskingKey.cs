using System.Security.Cryptography;

namespace OrleansGate.Proxy.Masking;

/// <summary>
/// The secret behind <see cref="OrleansGate.Grains.Policy.MaskStrategy.Hash"/>
/// (<c>Secrets:MaskingKey</c>, 32 bytes in base64). Hashes are keyed so that a reader who knows
/// the shape of a value (a 9-digit SSN, a 16-digit card) cannot recover it by hashing every
/// candidate. The key never leaves this type: no property, no ToString.
/// </summary>
public sealed class MaskingKey
{
    public const int KeyBytes = 32;

    /// <summary>The bytes one hash writes.</summary>
    public const int HashBytes = HMACSHA256.HashSizeInBytes;

    private readonly byte[] _key;

    public MaskingKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeyBytes)
        {
            // The length only: the message must not carry key material.
            throw new ArgumentException($"the masking key must be {KeyBytes} bytes, got {key.Length}", nameof(key));
        }

        _key = key.ToArray();
    }

    /// <summary>Reads the configured base64 form; the message of a failure does not echo the value.</summary>
    public static MaskingKey FromBase64(string base64)
    {
        Span<byte> key = stackalloc byte[KeyBytes];
        if (!Convert.TryFromBase64String(base64, key, out var written) || written != KeyBytes)
        {
            throw new ArgumentException($"the masking key must be {KeyBytes} bytes in base64", nameof(base64));
        }

        return new MaskingKey(key);
    }

    /// <summary>HMAC-SHA256 of <paramref name="source"/> into <paramref name="destination"/> (≥ <see cref="HashBytes"/>); no allocation.</summary>
    public void Hash(ReadOnlySpan<byte> source, Span<byte> destination) =>
        HMACSHA256.HashData(_key, source, destination);

    public override string ToString() => "MaskingKey(hidden)";
}
