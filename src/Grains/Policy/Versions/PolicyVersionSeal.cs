using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using OrleansGate.Grains.Audit.Chain;

namespace OrleansGate.Grains.Policy.Versions;

/// <summary>
/// The seal of a stored policy version (docs/policies.md#versions): HMAC-SHA256, with a key derived
/// from <c>Secrets:AuditKey</c> for this purpose only, over the gateway's service id and the
/// version's number, document, author, reason, based-on and restored-from. The recorder seals a
/// version in the same transaction as its audit event; every follower refuses a row whose seal does
/// not verify. So whoever can write the version table but does not hold the audit key cannot put a
/// policy in force: an edited or inserted row is refused, as the record does not hold it.
/// </summary>
/// <remarks>
/// Each field is length-prefixed (and a missing number marked apart from any value), so no two
/// different versions give the same bytes. <c>recorded_at</c> is left out: PostgreSQL keeps
/// microseconds, the clock gives ticks, and the time does not decide what is in force.
/// </remarks>
public sealed class PolicyVersionSeal(ChainKey keys, string serviceId)
{
    public const string Purpose = "policy-version";

    private readonly byte[] _key = keys.Derive(Purpose);

    /// <summary>The seal of <paramref name="version"/> as stored (lowercase hex).</summary>
    public string Of(PolicyVersion version) => Convert.ToHexStringLower(Compute(version));

    /// <summary>Whether the stored seal is the version's own (constant-time; a row without one never verifies).</summary>
    public bool Verifies(PolicyVersion version)
    {
        if (version.Seal is not { Length: 64 } stored)
        {
            return false;
        }

        byte[] given;
        try
        {
            given = Convert.FromHexString(stored);
        }
        catch (FormatException)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Compute(version), given);
    }

    private byte[] Compute(PolicyVersion version)
    {
        using var buffer = new MemoryStream();
        Field(buffer, serviceId);
        Field(buffer, version.Number.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field(buffer, version.Document);
        Field(buffer, version.Author);
        Field(buffer, version.Reason);
        Field(buffer, version.BasedOn?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field(buffer, version.RestoredFrom?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return HMACSHA256.HashData(_key, buffer.ToArray());
    }

    private static void Field(MemoryStream buffer, string? value)
    {
        Span<byte> length = stackalloc byte[4];
        if (value is null)
        {
            BinaryPrimitives.WriteInt32BigEndian(length, -1);
            buffer.Write(length);
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        buffer.Write(length);
        buffer.Write(bytes);
    }
}
