using System.Buffers;
using System.Text.Unicode;
using OrleansGate.Grains.Policy;

namespace OrleansGate.Proxy.Masking;

/// <summary>Text-like columns: whole values, or the spans the content detectors find.</summary>
public sealed partial class ColumnMasker
{
    // jsonb's binary format (jsonb_send): a version byte, then the JSON text.
    private const byte JsonbVersion = 1;

    private bool IsJson => _family is TypeFamily.Json or TypeFamily.Jsonb;

    private bool HasVersionByte => _family == TypeFamily.Jsonb && _binary;

    private bool MaskText(ReadOnlySpan<byte> value, IBufferWriter<byte> output)
    {
        var text = value;
        if (HasVersionByte)
        {
            if (value.IsEmpty || value[0] != JsonbVersion)
            {
                throw Invalid(value.IsEmpty ? "empty jsonb binary value" : $"jsonb binary version {value[0]} is not {JsonbVersion}");
            }

            text = value[1..];
        }

        if (!Utf8.IsValid(text))
        {
            throw Invalid("the value is not valid UTF-8");
        }

        if (_detectors != DetectorSet.None)
        {
            return MaskDetected(value, text, output);
        }

        WriteWholeText(text, output);
        return true;
    }

    /// <summary>The whole value masked; JSON columns get a JSON string, so the value stays valid JSON.</summary>
    private void WriteWholeText(ReadOnlySpan<byte> text, IBufferWriter<byte> output)
    {
        var json = IsJson;
        if (HasVersionByte)
        {
            output.Write([JsonbVersion]);
        }

        if (json)
        {
            output.Write("\""u8);
        }

        switch (_strategy)
        {
            case MaskStrategy.Partial:
                TextMasks.WritePartial(json ? JsonStringContent(text) : text, _keepFirst, _keepLast, output, json);
                break;
            case MaskStrategy.Email:
                if (!TextMasks.TryWriteEmail(json ? JsonStringContent(text) : text, output, json))
                {
                    output.Write(TextMasks.Placeholder);
                }

                break;
            case MaskStrategy.Hash:
                // Over the text as PostgreSQL prints it: the same bytes in both formats.
                TextMasks.WriteHashHex(text, _key, output);
                break;
            default:
                output.Write(TextMasks.Placeholder);
                break;
        }

        if (json)
        {
            output.Write("\""u8);
        }
    }

    private bool MaskDetected(ReadOnlySpan<byte> value, ReadOnlySpan<byte> text, IBufferWriter<byte> output)
    {
        var spans = new DetectedSpans(stackalloc DetectedSpan[16]);
        try
        {
            ContentScanner.Find(text, _detectors, ref spans);
            if (spans.Count == 0)
            {
                output.Write(value);
                return true;
            }

            if (_strategy == MaskStrategy.Null)
            {
                return false;
            }

            if (IsJson && !JsonStringSpans.AllInsideStrings(text, spans.Items))
            {
                // A find that crosses JSON syntax cannot be rewritten in place: the whole value goes.
                return WritePlaceholder(output);
            }

            if (HasVersionByte)
            {
                output.Write([JsonbVersion]);
            }

            var copied = 0;
            foreach (var span in spans.Items)
            {
                output.Write(text[copied..span.Start]);
                WriteDetected(text.Slice(span.Start, span.Length), output);
                copied = span.End;
            }

            output.Write(text[copied..]);
            return true;
        }
        finally
        {
            spans.Dispose();
        }
    }

    private void WriteDetected(ReadOnlySpan<byte> found, IBufferWriter<byte> output)
    {
        switch (_strategy)
        {
            case MaskStrategy.Partial:
                TextMasks.WritePartial(found, _keepFirst, _keepLast, output, jsonEscape: false);
                break;
            case MaskStrategy.Email when found.Contains((byte)'@') && TextMasks.TryWriteEmail(found, output, jsonEscape: false):
                break;
            case MaskStrategy.Hash:
                TextMasks.WriteHashHex(found, _key, output);
                break;
            default:
                output.Write(TextMasks.Placeholder);
                break;
        }
    }

    /// <summary>
    /// The characters of a JSON value that is a plain string (no escapes), so that Partial and Email
    /// work on <c>alice@example.com</c> rather than on its quotes; any other JSON value is taken as
    /// its whole text.
    /// </summary>
    private static ReadOnlySpan<byte> JsonStringContent(ReadOnlySpan<byte> json)
    {
        var trimmed = json.Trim(" \t\r\n"u8);
        if (trimmed.Length >= 2 && trimmed[0] == '"' && trimmed[^1] == '"')
        {
            var inner = trimmed[1..^1];
            if (inner.IndexOfAny((byte)'"', (byte)'\\') < 0)
            {
                return inner;
            }
        }

        return json;
    }
}
