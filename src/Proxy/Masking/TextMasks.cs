using System.Buffers;

namespace OrleansGate.Proxy.Masking;

/// <summary>The text rewrites shared by whole values and detected spans, over valid UTF-8.</summary>
internal static class TextMasks
{
    private const byte Star = (byte)'*';

    /// <summary>Writes the masked form of a detected span that is not an email address.</summary>
    public static ReadOnlySpan<byte> Placeholder => "****"u8;

    /// <summary>
    /// Keeps the first <paramref name="keepFirst"/> and last <paramref name="keepLast"/> characters —
    /// Unicode scalar values, not grapheme clusters, so an accent written as a combining mark counts
    /// as its own character — and writes one '*' for each of the others. When nothing would be
    /// hidden, everything is: a partial mask never shows the whole value.
    /// </summary>
    public static void WritePartial(ReadOnlySpan<byte> utf8, int keepFirst, int keepLast, IBufferWriter<byte> output, bool jsonEscape)
    {
        var characters = CountScalars(utf8);
        keepFirst = Math.Max(0, keepFirst);
        keepLast = Math.Max(0, keepLast);
        if ((long)keepFirst + keepLast >= characters)
        {
            WriteStars(characters, output);
            return;
        }

        var head = OffsetAfterScalars(utf8, keepFirst);
        var tail = OffsetBeforeLastScalars(utf8, keepLast);
        Write(utf8[..head], output, jsonEscape);
        WriteStars(characters - keepFirst - keepLast, output);
        Write(utf8[tail..], output, jsonEscape);
    }

    /// <summary>
    /// <c>local@domain</c> → <c>****@domain</c>. Returns false when the value is not an address
    /// (no '@' with text on both sides, or whitespace or control characters in it).
    /// </summary>
    public static bool TryWriteEmail(ReadOnlySpan<byte> utf8, IBufferWriter<byte> output, bool jsonEscape)
    {
        var at = utf8.LastIndexOf((byte)'@');
        if (at <= 0 || at == utf8.Length - 1 || utf8.IndexOfAnyInRange((byte)0, (byte)' ') >= 0 || utf8.Contains((byte)0x7F))
        {
            return false;
        }

        output.Write(Placeholder);
        Write(utf8[at..], output, jsonEscape);
        return true;
    }

    /// <summary>HMAC-SHA256 of the bytes as 64 lower-case hex digits.</summary>
    public static void WriteHashHex(ReadOnlySpan<byte> source, MaskingKey key, IBufferWriter<byte> output)
    {
        Span<byte> hash = stackalloc byte[MaskingKey.HashBytes];
        key.Hash(source, hash);
        var hex = output.GetSpan(hash.Length * 2);
        for (var i = 0; i < hash.Length; i++)
        {
            hex[2 * i] = HexDigit(hash[i] >> 4);
            hex[2 * i + 1] = HexDigit(hash[i] & 0xF);
        }

        output.Advance(hash.Length * 2);
    }

    /// <summary>Writes text, escaped for the inside of a JSON string (RFC 8259 §7) when asked.</summary>
    public static void Write(ReadOnlySpan<byte> utf8, IBufferWriter<byte> output, bool jsonEscape)
    {
        if (!jsonEscape)
        {
            output.Write(utf8);
            return;
        }

        while (!utf8.IsEmpty)
        {
            var special = utf8.IndexOfAny(JsonSpecial);
            if (special < 0)
            {
                output.Write(utf8);
                return;
            }

            output.Write(utf8[..special]);
            var b = utf8[special];
            if (b is (byte)'"' or (byte)'\\')
            {
                output.Write([(byte)'\\', b]);
            }
            else
            {
                output.Write([(byte)'\\', (byte)'u', (byte)'0', (byte)'0', HexDigit(b >> 4), HexDigit(b & 0xF)]);
            }

            utf8 = utf8[(special + 1)..];
        }
    }

    public static void WriteStars(int count, IBufferWriter<byte> output)
    {
        while (count > 0)
        {
            var chunk = Math.Min(count, 4096);
            output.GetSpan(chunk)[..chunk].Fill(Star);
            output.Advance(chunk);
            count -= chunk;
        }
    }

    /// <summary>Unicode scalar values in valid UTF-8: the bytes that are not continuation bytes.</summary>
    public static int CountScalars(ReadOnlySpan<byte> utf8)
    {
        var count = 0;
        foreach (var b in utf8)
        {
            if ((b & 0xC0) != 0x80)
            {
                count++;
            }
        }

        return count;
    }

    private static readonly SearchValues<byte> JsonSpecial = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(static b => (byte)b), (byte)'"', (byte)'\\']);

    private static int OffsetAfterScalars(ReadOnlySpan<byte> utf8, int scalars)
    {
        var offset = 0;
        for (var seen = 0; seen < scalars; seen++)
        {
            offset++;
            while (offset < utf8.Length && (utf8[offset] & 0xC0) == 0x80)
            {
                offset++;
            }
        }

        return offset;
    }

    private static int OffsetBeforeLastScalars(ReadOnlySpan<byte> utf8, int scalars)
    {
        var offset = utf8.Length;
        for (var seen = 0; seen < scalars; seen++)
        {
            offset--;
            while (offset > 0 && (utf8[offset] & 0xC0) == 0x80)
            {
                offset--;
            }
        }

        return offset;
    }

    private static byte HexDigit(int nibble) => (byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
}
