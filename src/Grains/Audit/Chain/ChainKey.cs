using System.Security.Cryptography;
using System.Text;

namespace OrleansGate.Grains.Audit.Chain;

/// <summary>
/// The key behind every session's chain (<c>OrleansGate:Secrets:AuditKey</c>, which the audit
/// database never holds) and its forward ratchet: k_1 = HMAC-SHA256(AuditKey, "orleansgate-chain:" +
/// session id), k_{i+1} = SHA-256(k_i). Whoever learns one k_i (say from a grain's memory) can
/// forge positions i and later of that session only, never earlier ones or other sessions.
/// </summary>
public sealed class ChainKey
{
    public const string Label = "orleansgate-chain:";

    private readonly byte[] _auditKey;

    public ChainKey(ReadOnlySpan<byte> auditKey)
    {
        if (auditKey.Length != 32)
        {
            throw new ArgumentException("the audit key must be 32 bytes", nameof(auditKey));
        }

        _auditKey = auditKey.ToArray();
    }

    /// <summary>k_1 of a session.</summary>
    public byte[] First(string sessionId) => HMACSHA256.HashData(_auditKey, Encoding.UTF8.GetBytes(Label + sessionId));

    /// <summary>k_{i+1} from k_i.</summary>
    public static byte[] Next(ReadOnlySpan<byte> key) => SHA256.HashData(key);

    /// <summary>k_position of a session, ratcheted from k_1 (position - 1 hashes).</summary>
    public byte[] At(string sessionId, long position)
    {
        var key = First(sessionId);
        for (var i = 1L; i < position; i++)
        {
            key = Next(key);
        }

        return key;
    }

    /// <summary>
    /// A key for another purpose, derived from the audit key: HMAC-SHA256(AuditKey, "orleansgate-" +
    /// <paramref name="purpose"/>). Never a chain key (their label is different).
    /// </summary>
    public byte[] Derive(string purpose) => HMACSHA256.HashData(_auditKey, Encoding.UTF8.GetBytes("orleansgate-" + purpose));

    public override string ToString() => "ChainKey(hidden)";
}
