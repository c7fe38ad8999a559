using System.Buffers.Binary;
using System.Text;

namespace OrleansGate.Proxy.Masking;

/// <summary>
/// The fixed value Redact writes, per type and wire format — a value the client's driver parses
/// as that type (docs/masking.md, "Strategies and types"). Dates and timestamps are 1970-01-01 in
/// both formats, so a client sees the same placeholder whichever format it asked for (the binary
/// formats count from 2000-01-01, hence the negative offsets).
/// </summary>
internal static class RedactPlaceholder
{
    /// <summary>What a redacted text value reads as; JSON columns get it as a JSON string.</summary>
    public const string Text = "****";

    private const long DaysFrom1970To2000 = 10_957;
    private const long MicrosecondsPerDay = 86_400L * 1_000_000;

    private static readonly byte[] TextBytes = Encoding.UTF8.GetBytes(Text);
    private static readonly byte[] JsonText = Encoding.UTF8.GetBytes("\"" + Text + "\"");
    private static readonly byte[] JsonbBinary = [1, .. JsonText];
    private static readonly byte[] Zero = "0"u8.ToArray();
    private static readonly byte[] False = "f"u8.ToArray();
    private static readonly byte[] DateText = "1970-01-01"u8.ToArray();
    private static readonly byte[] TimeText = "00:00:00"u8.ToArray();
    private static readonly byte[] TimeTzText = "00:00:00+00"u8.ToArray();
    private static readonly byte[] TimestampText = "1970-01-01 00:00:00"u8.ToArray();
    private static readonly byte[] TimestamptzText = "1970-01-01 00:00:00+00"u8.ToArray();
    private static readonly byte[] UuidText = "00000000-0000-0000-0000-000000000000"u8.ToArray();
    private static readonly byte[] ByteaText = "\\x"u8.ToArray();
    private static readonly byte[] InetText = "0.0.0.0"u8.ToArray();
    private static readonly byte[] CidrText = "0.0.0.0/32"u8.ToArray();

    // inet/cidr binary (network.c, inet_send): family (PGSQL_AF_INET = 2), bits, is_cidr, address length, address.
    private static readonly byte[] InetBinary = [2, 32, 0, 4, 0, 0, 0, 0];
    private static readonly byte[] CidrBinary = [2, 32, 1, 4, 0, 0, 0, 0];
    private static readonly byte[] DateBinary = BigEndian32(-(int)DaysFrom1970To2000);
    private static readonly byte[] TimestampBinary = BigEndian64(-DaysFrom1970To2000 * MicrosecondsPerDay);

    // Zero in the binary formats: int2/4/8, oid, float4/8 (IEEE +0.0 is all zero bits), numeric
    // (ndigits 0, weight 0, sign 0, dscale 0), time (µs 0), timetz (µs 0, zone 0),
    // interval (µs 0, days 0, months 0), uuid.
    private static readonly byte[] Zeros = new byte[16];

    /// <summary>The placeholder, or false when the type has none (masked values are then NULL).</summary>
    public static bool TryGet(TypeFamily family, bool binary, out ReadOnlySpan<byte> placeholder)
    {
        placeholder = (family, binary) switch
        {
            (TypeFamily.Text, _) => TextBytes,
            (TypeFamily.Json, _) or (TypeFamily.Jsonb, false) => JsonText,
            (TypeFamily.Jsonb, true) => JsonbBinary,
            (TypeFamily.Int2, true) => Zeros.AsSpan(0, 2),
            (TypeFamily.Int4 or TypeFamily.Oid or TypeFamily.Float4, true) => Zeros.AsSpan(0, 4),
            (TypeFamily.Int8 or TypeFamily.Float8 or TypeFamily.Numeric or TypeFamily.Time, true) => Zeros.AsSpan(0, 8),
            (TypeFamily.TimeTz, true) => Zeros.AsSpan(0, 12),
            (TypeFamily.Interval or TypeFamily.Uuid, true) => Zeros.AsSpan(0, 16),
            (TypeFamily.Int2 or TypeFamily.Int4 or TypeFamily.Int8 or TypeFamily.Oid
                or TypeFamily.Float4 or TypeFamily.Float8 or TypeFamily.Numeric, false) => Zero,
            (TypeFamily.Bool, false) => False,
            (TypeFamily.Bool, true) => Zeros.AsSpan(0, 1),
            (TypeFamily.Date, false) => DateText,
            (TypeFamily.Date, true) => DateBinary,
            (TypeFamily.Time or TypeFamily.Interval, false) => TimeText,
            (TypeFamily.TimeTz, false) => TimeTzText,
            (TypeFamily.Timestamp, false) => TimestampText,
            (TypeFamily.Timestamptz, false) => TimestamptzText,
            (TypeFamily.Timestamp or TypeFamily.Timestamptz, true) => TimestampBinary,
            (TypeFamily.Uuid, false) => UuidText,
            (TypeFamily.Bytea, false) => ByteaText,
            (TypeFamily.Bytea, true) => [],
            (TypeFamily.Inet, false) => InetText,
            (TypeFamily.Inet, true) => InetBinary,
            (TypeFamily.Cidr, false) => CidrText,
            (TypeFamily.Cidr, true) => CidrBinary,
            _ => default,
        };
        return family != TypeFamily.Other;
    }

    private static byte[] BigEndian32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] BigEndian64(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }
}
