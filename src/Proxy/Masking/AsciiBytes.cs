namespace OrleansGate.Proxy.Masking;

/// <summary>Byte classes the detectors scan with; bytes ≥ 0x80 (non-ASCII UTF-8) belong to none.</summary>
internal static class AsciiBytes
{
    public static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    public static bool IsUpper(byte b) => (uint)(b - 'A') <= 'Z' - 'A';

    public static bool IsLower(byte b) => (uint)(b - 'a') <= 'z' - 'a';

    public static bool IsLetterOrDigit(byte b) => IsDigit(b) || IsUpper(b) || IsLower(b);

    /// <summary>The base64url alphabet (RFC 4648 §5): JWT segments, Google keys.</summary>
    public static bool IsBase64Url(byte b) => IsLetterOrDigit(b) || b == '-' || b == '_';

    public static bool NotDigitAt(ReadOnlySpan<byte> text, int at) => at < 0 || at >= text.Length || !IsDigit(text[at]);

    public static bool NotWordAt(ReadOnlySpan<byte> text, int at) =>
        at < 0 || at >= text.Length || !(IsLetterOrDigit(text[at]) || text[at] == '_');

    /// <summary>Length of the run of bytes in the class starting at <paramref name="from"/>.</summary>
    public static int RunLength(ReadOnlySpan<byte> text, int from, Func<byte, bool> inClass, int max = int.MaxValue)
    {
        var i = from;
        var stop = (int)Math.Min(text.Length, (long)from + max);
        while (i < stop && inClass(text[i]))
        {
            i++;
        }

        return i - from;
    }
}
