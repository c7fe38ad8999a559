namespace OrleansGate.Proxy.Masking;

/// <summary>
/// JSON Web Tokens in compact form (RFC 7519 §3.1): three base64url segments joined by dots, the
/// first starting <c>eyJ</c> (the encoding of <c>{"</c>). The signature may be empty (unsecured JWTs).
/// </summary>
internal static class JwtDetector
{
    public static void Find(ReadOnlySpan<byte> text, ref DetectedSpans spans)
    {
        var from = 0;
        while (from < text.Length)
        {
            var found = text[from..].IndexOf("eyJ"u8);
            if (found < 0)
            {
                return;
            }

            var start = from + found;
            var end = Match(text, start);
            if (end > 0)
            {
                spans.Add(start, end - start);
                from = end;
            }
            else
            {
                from = start + 1;
            }
        }
    }

    private static int Match(ReadOnlySpan<byte> text, int start)
    {
        if (start > 0 && (AsciiBytes.IsBase64Url(text[start - 1]) || text[start - 1] == '.'))
        {
            return 0;
        }

        var position = start + AsciiBytes.RunLength(text, start, AsciiBytes.IsBase64Url);
        if (position >= text.Length || text[position] != '.')
        {
            return 0;
        }

        var payload = AsciiBytes.RunLength(text, position + 1, AsciiBytes.IsBase64Url);
        position += 1 + payload;
        if (payload == 0 || position >= text.Length || text[position] != '.')
        {
            return 0;
        }

        position += 1 + AsciiBytes.RunLength(text, position + 1, AsciiBytes.IsBase64Url);
        return position < text.Length && text[position] == '.' ? 0 : position;
    }
}
