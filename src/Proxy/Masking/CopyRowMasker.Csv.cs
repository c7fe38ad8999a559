using System.Buffers;

namespace OrleansGate.Proxy.Masking;

/// <summary>COPY CSV format (the COPY reference, "CSV Format").</summary>
public sealed partial class CopyRowMasker
{
    private int CsvFieldEnd(ReadOnlySpan<byte> body, int from)
    {
        var i = from;
        if (i < body.Length && body[i] == _format.Quote)
        {
            i = QuotedEnd(body, i);
            if (i < body.Length && body[i] != _format.Delimiter)
            {
                throw new MaskingException("cannot mask COPY row: text after a closing quote in a CSV field");
            }

            return i;
        }

        for (; i < body.Length && body[i] != _format.Delimiter; i++)
        {
            if (body[i] is (byte)'\n' or (byte)'\r')
            {
                throw new MaskingException("cannot mask COPY row: an unquoted line break inside a CSV row");
            }
        }

        return i;
    }

    /// <summary>The index just after the quote that closes the quoted field opened at <paramref name="open"/>.</summary>
    private int QuotedEnd(ReadOnlySpan<byte> body, int open)
    {
        var i = open + 1;
        while (i < body.Length)
        {
            var b = body[i];
            if (IsEscapePair(body, i))
            {
                i += 2;
            }
            else if (b == _format.Quote)
            {
                return i + 1;
            }
            else
            {
                i++;
            }
        }

        throw new MaskingException("cannot mask COPY row: a CSV field's quote is not closed");
    }

    /// <summary>An escape character followed by the quote or escape character: one literal character.</summary>
    private bool IsEscapePair(ReadOnlySpan<byte> field, int i) =>
        field[i] == _format.Escape && i + 1 < field.Length
        && (field[i + 1] == _format.Quote || field[i + 1] == _format.Escape);

    private void DecodeCsv(ReadOnlySpan<byte> field, IBufferWriter<byte> output)
    {
        var inQuotes = false;
        var start = 0;
        var i = 0;
        while (i < field.Length)
        {
            var b = field[i];
            if (inQuotes && IsEscapePair(field, i))
            {
                output.Write(field[start..i]);
                start = i + 1;
                i += 2;
            }
            else if (b == _format.Quote)
            {
                output.Write(field[start..i]);
                inQuotes = !inQuotes;
                start = ++i;
            }
            else
            {
                i++;
            }
        }

        output.Write(field[start..]);
    }

    private void EncodeCsv(ReadOnlySpan<byte> value, IBufferWriter<byte> output)
    {
        var quote = value.SequenceEqual(_null)
            || value.IndexOfAny(_format.Delimiter, _format.Quote) >= 0
            || value.IndexOfAny((byte)'\n', (byte)'\r') >= 0
            || (_maskers.Length == 1 && value.SequenceEqual("\\."u8));
        if (!quote)
        {
            output.Write(value);
            return;
        }

        output.Write([_format.Quote]);
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == _format.Quote || value[i] == _format.Escape)
            {
                output.Write(value[start..i]);
                output.Write([_format.Escape]);
                start = i;
            }
        }

        output.Write(value[start..]);
        output.Write([_format.Quote]);
    }
}
