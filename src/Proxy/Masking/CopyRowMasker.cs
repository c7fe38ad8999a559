using System.Buffers;
using System.Text;

namespace OrleansGate.Proxy.Masking;

/// <summary>
/// Masks one COPY TO STDOUT row in text or CSV format: the payload of one CopyData message, which in
/// COPY OUT carries exactly one row (copyto.c, CopySendEndOfRow). Fields without a masker are copied
/// byte for byte; masked fields are decoded, masked as text values, and encoded again the way
/// PostgreSQL writes them (copyto.c, CopyAttributeOutText / CopyAttributeOutCSV), a masked NULL as
/// the NULL string. One instance serves one COPY: it reuses its scratch buffers and is not thread-safe.
/// </summary>
public sealed partial class CopyRowMasker
{
    private readonly CopyRowFormat _format;
    private readonly ColumnMasker?[] _maskers;
    private readonly byte[] _null;
    private readonly ArrayBufferWriter<byte> _decoded = new();
    private readonly ArrayBufferWriter<byte> _masked = new();

    public CopyRowMasker(CopyRowFormat format, ColumnMasker?[] maskers)
    {
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(maskers);
        _format = format;
        _maskers = maskers;
        _null = Encoding.UTF8.GetBytes(format.NullString);
    }

    /// <summary>Writes the masked row, terminator included, to <paramref name="output"/>.</summary>
    public void Mask(ReadOnlySpan<byte> row, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);

        // The row ends in "\n" ("\r\n" from a Windows server). A newline in data is escaped (text)
        // or inside quotes (CSV), so the last one is the terminator.
        var terminator = row.EndsWith("\r\n"u8) ? 2 : row.EndsWith("\n"u8) ? 1 : 0;
        var body = row[..^terminator];

        var column = 0;
        var position = 0;
        while (true)
        {
            if (column == _maskers.Length)
            {
                throw FieldCount(column + 1);
            }

            var end = _format.IsCsv ? CsvFieldEnd(body, position) : TextFieldEnd(body, position);
            var field = body[position..end];
            if (_maskers[column] is { } masker)
            {
                MaskField(field, masker, output);
            }
            else
            {
                output.Write(field);
            }

            column++;
            if (end == body.Length)
            {
                break;
            }

            output.Write([_format.Delimiter]);
            position = end + 1;
        }

        if (column != _maskers.Length)
        {
            throw FieldCount(column);
        }

        output.Write(row[^terminator..]);
    }

    private ReadOnlySpan<byte> Decoded(ReadOnlySpan<byte> field)
    {
        _decoded.ResetWrittenCount();
        if (_format.IsCsv)
        {
            DecodeCsv(field, _decoded);
        }
        else
        {
            DecodeText(field, _decoded);
        }

        return _decoded.WrittenSpan;
    }

    private void MaskField(ReadOnlySpan<byte> field, ColumnMasker masker, IBufferWriter<byte> output)
    {
        // NULL is recognised before unescaping, and a quoted CSV field is never NULL.
        var isNull = field.SequenceEqual(_null);
        if (isNull && !masker.HidesNull)
        {
            output.Write(field);
            return;
        }

        _masked.ResetWrittenCount();
        if (isNull ? !masker.MaskNull(_masked) : !masker.Mask(Decoded(field), _masked))
        {
            output.Write(_null);
            return;
        }

        if (_format.IsCsv)
        {
            EncodeCsv(_masked.WrittenSpan, output);
        }
        else
        {
            EncodeText(_masked.WrittenSpan, output);
        }
    }

    private MaskingException FieldCount(int found) =>
        new($"cannot mask COPY row: {(found > _maskers.Length ? "more than" : "only")} {(found > _maskers.Length ? _maskers.Length : found)} fields, expected {_maskers.Length}");
}
