namespace OrleansGate.Proxy.Masking;

/// <summary>
/// Card numbers: 13–19 digits, in groups separated by single spaces or dashes, not touching
/// another digit, passing the Luhn check (ISO/IEC 7812-1). Where a run of groups is longer
/// (a card number followed by an expiry year), the longest Luhn-valid prefix of groups is taken.
/// </summary>
internal static class PaymentCardDetector
{
    private const int MinDigits = 13;
    private const int MaxDigits = 19;

    public static void Find(ReadOnlySpan<byte> text, ref DetectedSpans spans)
    {
        var i = 0;
        while (i < text.Length)
        {
            if (!AsciiBytes.IsDigit(text[i]) || !AsciiBytes.NotDigitAt(text, i - 1))
            {
                i++;
                continue;
            }

            // i starts a group of digits; extend group by group while the digits fit a card.
            var best = -1;
            var digits = 0;
            var position = i;
            while (true)
            {
                var run = AsciiBytes.RunLength(text, position, AsciiBytes.IsDigit);
                digits += run;
                position += run;
                if (digits > MaxDigits)
                {
                    break;
                }

                if (digits >= MinDigits && PassesLuhn(text[i..position]))
                {
                    best = position;
                }

                if (position + 1 < text.Length && text[position] is (byte)' ' or (byte)'-' && AsciiBytes.IsDigit(text[position + 1]))
                {
                    position++;
                    continue;
                }

                break;
            }

            if (best > 0)
            {
                spans.Add(i, best - i);
                i = best;
            }
            else
            {
                i += AsciiBytes.RunLength(text, i, AsciiBytes.IsDigit);
            }
        }
    }

    /// <summary>The Luhn check over the digits of <paramref name="number"/>, separators skipped.</summary>
    public static bool PassesLuhn(ReadOnlySpan<byte> number)
    {
        var sum = 0;
        var doubled = false;
        for (var i = number.Length - 1; i >= 0; i--)
        {
            if (!AsciiBytes.IsDigit(number[i]))
            {
                continue;
            }

            var digit = number[i] - '0';
            if (doubled)
            {
                digit *= 2;
                if (digit > 9)
                {
                    digit -= 9;
                }
            }

            sum += digit;
            doubled = !doubled;
        }

        return sum % 10 == 0;
    }
}
