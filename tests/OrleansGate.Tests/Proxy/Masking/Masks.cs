using System.Buffers;
using System.Text;
using OrleansGate.Grains.Catalog;
using OrleansGate.Grains.Policy;
using OrleansGate.Proxy.Masking;

namespace OrleansGate.Tests.Proxy.Masking;

/// <summary>Rules, a fixed key and one-call masking for the masking tests.</summary>
internal static class Masks
{
    public const short Text = 0;
    public const short Binary = 1;

    /// <summary>Key bytes 0x01..0x20; the expected hashes in the tests were computed with this key outside .NET.</summary>
    public static MaskingKey Key { get; } = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    public static MaskingKey OtherKey { get; } = new(Enumerable.Range(100, 32).Select(i => (byte)i).ToArray());

    public static MaskRule Rule(MaskStrategy strategy, int keepFirst = 0, int keepLast = 0, params ContentDetector[] detectors) =>
        new("public.people.secret", strategy, keepFirst, keepLast, detectors, []);

    public static MaskRule Detecting(MaskStrategy strategy, params ContentDetector[] detectors) => Rule(strategy, 0, 0, detectors);

    /// <summary>The bytes the client gets, or null for SQL NULL.</summary>
    public static byte[]? Apply(MaskRule rule, uint oid, short format, ReadOnlySpan<byte> value, MaskingKey? key = null)
    {
        var output = new ArrayBufferWriter<byte>();
        return ColumnMasker.Create(rule, oid, format, key ?? Key).Mask(value, output) ? output.WrittenSpan.ToArray() : null;
    }

    public static string? ApplyText(MaskRule rule, uint oid, string value, short format = Text, MaskingKey? key = null) =>
        Apply(rule, oid, format, Encoding.UTF8.GetBytes(value), key) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>jsonb in binary format: version byte 1, then the JSON text.</summary>
    public static byte[] Jsonb(string json) => [1, .. Encoding.UTF8.GetBytes(json)];
}
