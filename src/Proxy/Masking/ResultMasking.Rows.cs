using System.Buffers;
using System.Buffers.Binary;
using OrleansGate.Proxy.Protocol;

namespace OrleansGate.Proxy.Masking;

/// <summary>DataRow rewriting: each masked column's value replaced in place, the row's length patched.</summary>
internal sealed partial class ResultMasking
{
    private ServerFrameVerdict RewriteDataRow(in ReadOnlySequence<byte> payload, ArrayBufferWriter<byte> buffer)
    {
        // A row nearly always sits in one segment of the read buffer; a rare split row is copied once.
        var row = SpanOf(payload);
        var columns = _columns!;
        if (row.Length < 2 || BinaryPrimitives.ReadInt16BigEndian(row) != columns.Length)
        {
            throw new MaskingException("a DataRow does not match its RowDescription");
        }

        // Type byte and a length patched at the end, then the row as it is up to the first masked
        // value; every run of clear columns is copied with one write.
        var start = buffer.WrittenCount;
        buffer.GetSpan(5)[0] = (byte)BackendMessageType.DataRow;
        buffer.Advance(5);
        var position = 2;
        var copiedTo = 0;
        for (var i = 0; i < columns.Length; i++)
        {
            if (row.Length - position < 4)
            {
                throw new MaskingException("malformed DataRow");
            }

            var length = BinaryPrimitives.ReadInt32BigEndian(row[position..]);
            var valueStart = position + 4;
            if (length < -1 || (length > 0 && row.Length - valueStart < length))
            {
                throw new MaskingException("malformed DataRow");
            }

            var next = valueStart + Math.Max(length, 0);
            if (columns[i] is not { } masker || (length < 0 && !masker.HidesNull))
            {
                position = next;
                continue;
            }

            buffer.Write(row[copiedTo..position]);
            var lengthAt = buffer.WrittenCount;
            buffer.GetSpan(4);
            buffer.Advance(4);
            var masked = length < 0 ? masker.MaskNull(buffer) : masker.Mask(row.Slice(valueStart, length), buffer);
            PatchInt32(buffer, lengthAt, masked ? buffer.WrittenCount - lengthAt - 4 : -1);
            _counts[i]++;
            copiedTo = position = next;
        }

        if (position != row.Length)
        {
            throw new MaskingException("malformed DataRow");
        }

        buffer.Write(row[copiedTo..]);
        PatchInt32(buffer, start + 1, buffer.WrittenCount - start - 1);
        return ServerFrameVerdict.Replace;
    }

    private ReadOnlySpan<byte> SpanOf(in ReadOnlySequence<byte> value)
    {
        if (value.IsSingleSegment)
        {
            return value.FirstSpan;
        }

        _scratch.ResetWrittenCount();
        value.CopyTo(_scratch);
        return _scratch.WrittenSpan;
    }

    private readonly ArrayBufferWriter<byte> _scratch = new(256);

    // Lengths are big-endian Int32s written where a placeholder was left.
    private static void PatchInt32(ArrayBufferWriter<byte> buffer, int at, int value) =>
        BinaryPrimitives.WriteInt32BigEndian(System.Runtime.InteropServices.MemoryMarshal.AsMemory(buffer.WrittenMemory).Span.Slice(at, 4), value);
}
