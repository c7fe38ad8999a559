using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using OrleansGate.Proxy.Protocol.Frontend;

namespace OrleansGate.Proxy.Relay;

/// <summary>
/// How a Bind parameter is written into the audit record, bounded in size: text as text; binary
/// values of the common types (by the OIDs the Parse declared) as their text form; other binary
/// values as hex.
/// </summary>
internal static class ParameterText
{
    private const int MaxBytes = 8 * 1024;

    public static IReadOnlyList<string?> Of(IReadOnlyList<BindParameter> parameters, IReadOnlyList<uint>? types = null) =>
        parameters.Select((p, i) => p.Value is null ? null : Render(p.Value, p.IsBinary, types is not null && i < types.Count ? types[i] : 0))
            .ToArray();

    private static string Render(byte[] value, bool binary, uint type)
    {
        if (binary && DecodeBinary(value, type) is { } decoded)
        {
            return decoded;
        }

        var shown = value.AsSpan(0, Math.Min(value.Length, MaxBytes));
        var text = binary ? "\\x" + Convert.ToHexStringLower(shown) : Encoding.UTF8.GetString(shown);
        return value.Length > MaxBytes ? $"{text}… ({value.Length} bytes)" : text;
    }

    // Binary formats of §8 base types as PostgreSQL sends and receives them (network byte order).
    private static string? DecodeBinary(byte[] value, uint type) => (type, value.Length) switch
    {
        (16, 1) => value[0] != 0 ? "true" : "false",
        (21, 2) => BinaryPrimitives.ReadInt16BigEndian(value).ToString(CultureInfo.InvariantCulture),
        (23, 4) => BinaryPrimitives.ReadInt32BigEndian(value).ToString(CultureInfo.InvariantCulture),
        (20, 8) => BinaryPrimitives.ReadInt64BigEndian(value).ToString(CultureInfo.InvariantCulture),
        (700, 4) => BinaryPrimitives.ReadSingleBigEndian(value).ToString("R", CultureInfo.InvariantCulture),
        (701, 8) => BinaryPrimitives.ReadDoubleBigEndian(value).ToString("R", CultureInfo.InvariantCulture),
        (25 or 1043 or 1042 or 19, <= MaxBytes) => Encoding.UTF8.GetString(value),
        (2950, 16) => new Guid(value, bigEndian: true).ToString(),
        _ => null,
    };
}
