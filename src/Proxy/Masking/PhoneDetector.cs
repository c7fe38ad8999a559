namespace OrleansGate.Proxy.Masking;

/// <summary>
/// Telephone numbers in two shapes:
/// international, <c>+</c> then 8–15 digits (E.164) with single spaces, dashes or dots allowed
/// between groups, the first digit not 0; and North American national forms
/// <c>(555) 123-4567</c>, <c>(555)123-4567</c>, <c>555-123-4567</c>, <c>555.123.4567</c>.
/// Neither may touch another digit.
/// </summary>
internal static class PhoneDetector
{
    private const int MinE164Digits = 8;
    private const int MaxE164Digits = 15;

    public static void Find(ReadOnlySpan<byte> text, ref DetectedSpans spans)
    {
        var i = 0;
        while (i < text.Length)
        {
            // Only where no digit precedes: each run of digits is measured once, not once per digit.
            var end = !AsciiBytes.NotDigitAt(text, i - 1) ? 0 : text[i] switch
            {
                (byte)'+' => MatchInternational(text, i),
                (byte)'(' => MatchParenthesized(text, i),
                _ when AsciiBytes.IsDigit(text[i]) => MatchSeparated(text, i),
                _ => 0,
            };
            if (end > 0)
            {
                spans.Add(i, end - i);
                i = end;
            }
            else
            {
                i++;
            }
        }
    }

    private static int MatchInternational(ReadOnlySpan<byte> text, int plus)
    {
        if (!AsciiBytes.NotWordAt(text, plus - 1) || plus + 1 >= text.Length || !AsciiBytes.IsDigit(text[plus + 1]) || text[plus + 1] == '0')
        {
            return 0;
        }

        // Group by group; the longest prefix with a valid digit count wins (a trailing year is not part of it).
        var best = 0;
        var digits = 0;
        var position = plus + 1;
        while (true)
        {
            var run = AsciiBytes.RunLength(text, position, AsciiBytes.IsDigit);
            digits += run;
            position += run;
            if (digits > MaxE164Digits)
            {
                break;
            }

            if (digits >= MinE164Digits)
            {
                best = position;
            }

            if (position + 1 < text.Length && text[position] is (byte)' ' or (byte)'-' or (byte)'.' && AsciiBytes.IsDigit(text[position + 1]))
            {
                position++;
                continue;
            }

            break;
        }

        return best;
    }

    private static int MatchParenthesized(ReadOnlySpan<byte> text, int open)
    {
        var position = open + 1;
        if (!Digits(text, position, 3) || !At(text, position + 3, ')'))
        {
            return 0;
        }

        position += 4;
        if (At(text, position, ' '))
        {
            position++;
        }

        return Digits(text, position, 3) && At(text, position + 3, '-') && Digits(text, position + 4, 4)
            && AsciiBytes.NotDigitAt(text, position + 8) ? position + 8 : 0;
    }

    private static int MatchSeparated(ReadOnlySpan<byte> text, int start)
    {
        if (!Digits(text, start, 3) || start + 3 >= text.Length || text[start + 3] is not ((byte)'-' or (byte)'.'))
        {
            return 0;
        }

        var separator = text[start + 3];
        return Digits(text, start + 4, 3) && At(text, start + 7, separator) && Digits(text, start + 8, 4)
            && AsciiBytes.NotDigitAt(text, start + 12) ? start + 12 : 0;
    }

    /// <summary>Exactly <paramref name="count"/> digits at <paramref name="at"/> (a longer run does not count).</summary>
    private static bool Digits(ReadOnlySpan<byte> text, int at, int count) =>
        at <= text.Length && AsciiBytes.RunLength(text, at, AsciiBytes.IsDigit) == count;

    private static bool At(ReadOnlySpan<byte> text, int at, char c) => at < text.Length && text[at] == c;

    private static bool At(ReadOnlySpan<byte> text, int at, byte b) => at < text.Length && text[at] == b;
}
