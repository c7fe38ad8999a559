namespace OrleansGate.Proxy.Masking;

/// <summary>
/// Credential shapes published by their issuers, each anchored on a fixed prefix:
/// AWS access key ids <c>AKIA</c>/<c>ASIA</c> + 16 upper-case letters or digits;
/// GitHub tokens <c>ghp_ gho_ ghu_ ghs_ ghr_</c> + 36 or more letters or digits, and
/// <c>github_pat_</c> + 22 or more letters, digits or underscores;
/// Slack tokens <c>xoxa- xoxb- xoxp- xoxr-</c> + 10 or more letters, digits or dashes;
/// Stripe keys <c>sk_ pk_ rk_</c> + <c>live_</c>/<c>test_</c> + 10 or more letters or digits;
/// Google API keys <c>AIza</c> + exactly 35 base64url characters;
/// and the token after <c>Bearer </c> (any case) when it is 20 or more token characters (RFC 6750 §2.1).
/// A match starts where no letter, digit or underscore precedes it.
/// </summary>
internal static class ApiKeyDetector
{
    public static void Find(ReadOnlySpan<byte> text, ref DetectedSpans spans)
    {
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            var end = AsciiBytes.NotWordAt(text, i - 1) ? Match(text, i, ref start) : 0;
            if (end > 0)
            {
                spans.Add(start, end - start);
                i = end;
            }
            else
            {
                i++;
            }
        }
    }

    private static int Match(ReadOnlySpan<byte> text, int i, ref int start)
    {
        var rest = text[i..];
        switch (rest[0])
        {
            case (byte)'A' when rest.StartsWith("AKIA"u8) || rest.StartsWith("ASIA"u8):
                return Exactly(text, i + 4, 16, IsUpperOrDigit);
            case (byte)'A' when rest.StartsWith("AIza"u8):
                return Exactly(text, i + 4, 35, AsciiBytes.IsBase64Url);
            case (byte)'g' when rest.Length > 4 && rest.StartsWith("gh"u8) && rest[2] is (byte)'p' or (byte)'o' or (byte)'u' or (byte)'s' or (byte)'r' && rest[3] == '_':
                return AtLeast(text, i + 4, 36, AsciiBytes.IsLetterOrDigit);
            case (byte)'g' when rest.StartsWith("github_pat_"u8):
                return AtLeast(text, i + 11, 22, IsWord);
            case (byte)'x' when rest.Length > 5 && rest.StartsWith("xox"u8) && rest[3] is (byte)'a' or (byte)'b' or (byte)'p' or (byte)'r' && rest[4] == '-':
                return AtLeast(text, i + 5, 10, IsSlack);
            case (byte)'s' or (byte)'p' or (byte)'r' when rest.Length > 8 && rest[1] == 'k' && rest[2] == '_'
                && (rest[3..].StartsWith("live_"u8) || rest[3..].StartsWith("test_"u8)):
                return AtLeast(text, i + 8, 10, AsciiBytes.IsLetterOrDigit);
            case (byte)'B' or (byte)'b' when rest.Length > 7 && System.Text.Ascii.EqualsIgnoreCase(rest[..7], "bearer "u8):
                start = i + 7;
                var token = AsciiBytes.RunLength(text, start, IsBearerToken);
                token += AsciiBytes.RunLength(text, start + token, static b => b == '=');
                return token >= 20 ? start + token : 0;
            default:
                return 0;
        }
    }

    // A longer run is no match; looking one byte past the count is enough to know, and keeps the
    // scan linear on text that repeats a prefix between word breaks ("AIza-AIza-…").

    /// <summary>The end when exactly <paramref name="count"/> class bytes follow, else 0.</summary>
    private static int Exactly(ReadOnlySpan<byte> text, int from, int count, Func<byte, bool> inClass) =>
        AsciiBytes.RunLength(text, from, inClass, count + 1) == count ? from + count : 0;

    /// <summary>The end of the run when at least <paramref name="count"/> class bytes follow, else 0.</summary>
    private static int AtLeast(ReadOnlySpan<byte> text, int from, int count, Func<byte, bool> inClass)
    {
        var run = AsciiBytes.RunLength(text, from, inClass);
        return run >= count ? from + run : 0;
    }

    private static bool IsUpperOrDigit(byte b) => AsciiBytes.IsUpper(b) || AsciiBytes.IsDigit(b);

    private static bool IsWord(byte b) => AsciiBytes.IsLetterOrDigit(b) || b == '_';

    private static bool IsSlack(byte b) => AsciiBytes.IsLetterOrDigit(b) || b == '-';

    // b64token (RFC 6750 §2.1) without its trailing '='.
    private static bool IsBearerToken(byte b) => AsciiBytes.IsLetterOrDigit(b) || b is (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~' or (byte)'+' or (byte)'/';
}
