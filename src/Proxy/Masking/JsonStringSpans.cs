namespace OrleansGate.Proxy.Masking;

/// <summary>
/// Whether detected spans can be rewritten in place without breaking a JSON document: each must
/// lie inside one string literal, start on a character of its own (not inside an escape such
/// as <c>\u00e9</c>) and contain no quote or backslash. The replacements ('*', hex digits, kept
/// characters of the span) are then valid string content.
/// </summary>
internal static class JsonStringSpans
{
    public static bool AllInsideStrings(ReadOnlySpan<byte> json, ReadOnlySpan<DetectedSpan> spans)
    {
        var inString = false;
        var escapeLeft = 0;
        var next = 0;
        for (var i = 0; i < json.Length && next < spans.Length; i++)
        {
            if (i == spans[next].Start)
            {
                var span = json.Slice(spans[next].Start, spans[next].Length);
                if (!inString || escapeLeft > 0 || span.IndexOfAny((byte)'"', (byte)'\\') >= 0)
                {
                    return false;
                }

                // Plain string content: the state after the span is the state before it.
                i = spans[next].End - 1;
                next++;
                continue;
            }

            var b = json[i];
            if (escapeLeft > 0)
            {
                // After '\': one character, or 'u' and four hex digits.
                escapeLeft = escapeLeft == 5 && b == 'u' ? 4 : escapeLeft == 5 ? 0 : escapeLeft - 1;
            }
            else if (inString && b == '\\')
            {
                escapeLeft = 5;
            }
            else if (b == '"')
            {
                inString = !inString;
            }
        }

        return next == spans.Length;
    }
}
