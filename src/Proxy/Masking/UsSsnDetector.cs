namespace OrleansGate.Proxy.Masking;

/// <summary>
/// US social security numbers written <c>NNN-NN-NNNN</c>, not touching another digit, without
/// the numbers the SSA never issues: area 000, 666 or 900–999, group 00, serial 0000.
/// </summary>
internal static class UsSsnDetector
{
    private const int Length = 11;

    public static void Find(ReadOnlySpan<byte> text, ref DetectedSpans spans)
    {
        var i = 0;
        while (i + Length <= text.Length)
        {
            if (Matches(text, i))
            {
                spans.Add(i, Length);
                i += Length;
            }
            else
            {
                i++;
            }
        }
    }

    private static bool Matches(ReadOnlySpan<byte> text, int i)
    {
        var s = text.Slice(i, Length);
        if (!AsciiBytes.NotDigitAt(text, i - 1) || !AsciiBytes.NotDigitAt(text, i + Length)
            || s[3] != '-' || s[6] != '-'
            || AsciiBytes.RunLength(s, 0, AsciiBytes.IsDigit) != 3 || AsciiBytes.RunLength(s, 4, AsciiBytes.IsDigit) != 2 || AsciiBytes.RunLength(s, 7, AsciiBytes.IsDigit) != 4)
        {
            return false;
        }

        var area = s[..3];
        return !area.SequenceEqual("000"u8) && !area.SequenceEqual("666"u8) && area[0] != '9'
            && !s.Slice(4, 2).SequenceEqual("00"u8) && !s.Slice(7, 4).SequenceEqual("0000"u8);
    }
}
