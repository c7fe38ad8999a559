namespace OrleansGate.Proxy.Masking;

/// <summary>
/// IBANs (ISO 13616): two upper-case letters, two check digits, then up to 30 upper-case letters
/// or digits — 15 to 34 characters in all — written solid or in groups of four separated by
/// single spaces, passing the mod-97 check. Text glued to the end is not part of it: the longest
/// candidate that ends at a group boundary and passes the check is taken.
/// </summary>
internal static class IbanDetector
{
    private const int MinLength = 15;
    private const int MaxLength = 34;

    public static void Find(ReadOnlySpan<byte> text, ref DetectedSpans spans)
    {
        Span<byte> chars = stackalloc byte[MaxLength];
        Span<int> ends = stackalloc int[MaxLength + 1];
        var i = 0;
        while (i + MinLength <= text.Length)
        {
            if (!StartsIban(text, i))
            {
                i++;
                continue;
            }

            // Collect the characters without their spaces, and where each one ends in the text.
            var count = 0;
            var position = i;
            while (count < MaxLength && position < text.Length)
            {
                if (IsIbanChar(text[position]))
                {
                    chars[count++] = text[position++];
                    ends[count] = position;
                }
                else if (text[position] == ' ' && count % 4 == 0 && position + 1 < text.Length && IsIbanChar(text[position + 1]))
                {
                    position++;
                }
                else
                {
                    break;
                }
            }

            var matched = 0;
            for (var length = count; length >= MinLength; length--)
            {
                if (!IsAlphanumericAt(text, ends[length]) && Mod97(chars[..length]) == 1)
                {
                    matched = ends[length];
                    break;
                }
            }

            if (matched > 0)
            {
                spans.Add(i, matched - i);
                i = matched;
            }
            else
            {
                i++;
            }
        }
    }

    /// <summary>ISO 13616 check: the first four characters moved to the end, letters as 10–35, the number mod 97.</summary>
    public static int Mod97(ReadOnlySpan<byte> iban)
    {
        var remainder = 0;
        for (var i = 0; i < iban.Length; i++)
        {
            var c = iban[(i + 4) % iban.Length];
            remainder = AsciiBytes.IsDigit(c)
                ? (remainder * 10 + (c - '0')) % 97
                : (remainder * 100 + (c - 'A' + 10)) % 97;
        }

        return remainder;
    }

    private static bool StartsIban(ReadOnlySpan<byte> text, int i) =>
        AsciiBytes.IsUpper(text[i]) && AsciiBytes.IsUpper(text[i + 1]) && AsciiBytes.IsDigit(text[i + 2]) && AsciiBytes.IsDigit(text[i + 3])
        && !IsAlphanumericAt(text, i - 1);

    private static bool IsIbanChar(byte b) => AsciiBytes.IsUpper(b) || AsciiBytes.IsDigit(b);

    private static bool IsAlphanumericAt(ReadOnlySpan<byte> text, int at) =>
        at >= 0 && at < text.Length && AsciiBytes.IsLetterOrDigit(text[at]);
}
