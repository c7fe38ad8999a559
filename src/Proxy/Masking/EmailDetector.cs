namespace OrleansGate.Proxy.Masking;

/// <summary>
/// <c>local@domain.tld</c>: a local part of letters, digits and <c>. _ % + -</c>; a domain of at
/// least two dot-separated labels (letters, digits, hyphens) ending in a top-level label of two or
/// more letters. Narrower than RFC 5322 on purpose — quoted local parts are rare and a scanner
/// that accepts them would swallow surrounding text.
/// </summary>
internal static class EmailDetector
{
    public static void Find(ReadOnlySpan<byte> text, ref DetectedSpans spans)
    {
        var from = 0;
        while (from < text.Length)
        {
            var found = text[from..].IndexOf((byte)'@');
            if (found < 0)
            {
                return;
            }

            var at = from + found;
            var end = Match(text, at, out var start);
            if (end > 0)
            {
                spans.Add(start, end - start);
                from = end;
            }
            else
            {
                from = at + 1;
            }
        }
    }

    /// <summary>The end of the address whose '@' is at <paramref name="at"/>, or 0 when there is none.</summary>
    public static int Match(ReadOnlySpan<byte> text, int at, out int start)
    {
        start = at;
        while (start > 0 && IsLocal(text[start - 1]))
        {
            start--;
        }

        // A local part does not start with a dot ("see.bob@x.org" after a sentence keeps "bob").
        while (start < at && text[start] == '.')
        {
            start++;
        }

        if (start == at)
        {
            return 0;
        }

        var position = at + 1;
        var labels = 0;
        var lastLabel = 0;
        var lastLabelLength = 0;
        while (position < text.Length && AsciiBytes.IsLetterOrDigit(text[position]))
        {
            var length = AsciiBytes.RunLength(text, position, IsLabel);
            labels++;
            lastLabel = position;
            lastLabelLength = length;
            position += length;
            if (position + 1 < text.Length && text[position] == '.' && AsciiBytes.IsLetterOrDigit(text[position + 1]))
            {
                position++;
                continue;
            }

            break;
        }

        if (labels < 2 || lastLabelLength < 2 || AsciiBytes.RunLength(text, lastLabel, IsLetter) != lastLabelLength)
        {
            return 0;
        }

        return position;
    }

    private static bool IsLocal(byte b) => AsciiBytes.IsLetterOrDigit(b) || b is (byte)'.' or (byte)'_' or (byte)'%' or (byte)'+' or (byte)'-';

    private static bool IsLabel(byte b) => AsciiBytes.IsLetterOrDigit(b) || b == '-';

    private static bool IsLetter(byte b) => AsciiBytes.IsUpper(b) || AsciiBytes.IsLower(b);
}
