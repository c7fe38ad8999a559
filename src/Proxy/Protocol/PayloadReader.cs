using System.Buffers;
using System.Text;

namespace OrleansGate.Proxy.Protocol;

/// <summary>
/// Reads the primitive fields of a message payload: Int16/Int32 (big-endian), String (a
/// NUL-terminated UTF-8 string, "String" in §55.6 "Message Data Types") and Byte(n).
/// Every read is bounded by the payload; a read past it returns false instead of throwing,
/// so a malformed message turns into a protocol error, never an exception.
/// </summary>
public ref struct PayloadReader
{
    private SequenceReader<byte> _reader;

    public PayloadReader(ReadOnlySequence<byte> payload) => _reader = new SequenceReader<byte>(payload);

    public readonly long Remaining => _reader.Remaining;

    public readonly bool End => _reader.End;

    public bool TryReadByte(out byte value) => _reader.TryRead(out value);

    public bool TryReadInt16(out short value) => _reader.TryReadBigEndian(out value);

    public bool TryReadInt32(out int value) => _reader.TryReadBigEndian(out value);

    public bool TryReadUInt32(out uint value)
    {
        if (_reader.TryReadBigEndian(out int signed))
        {
            value = unchecked((uint)signed);
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>Reads a NUL-terminated string; false when no terminator is left in the payload.</summary>
    public bool TryReadCString(out string value)
    {
        if (_reader.TryReadTo(out ReadOnlySequence<byte> bytes, (byte)0, advancePastDelimiter: true))
        {
            value = bytes.IsSingleSegment ? Encoding.UTF8.GetString(bytes.FirstSpan) : Encoding.UTF8.GetString(bytes.ToArray());
            return true;
        }

        value = string.Empty;
        return false;
    }

    /// <summary>Reads a NUL-terminated string as raw bytes (no decoding, no allocation).</summary>
    public bool TryReadCStringBytes(out ReadOnlySequence<byte> value) =>
        _reader.TryReadTo(out value, (byte)0, advancePastDelimiter: true);

    public bool TryReadBytes(long count, out ReadOnlySequence<byte> value)
    {
        if (count < 0 || _reader.Remaining < count)
        {
            value = default;
            return false;
        }

        value = _reader.UnreadSequence.Slice(0, count);
        _reader.Advance(count);
        return true;
    }

    /// <summary>
    /// Reads an Int32 length followed by that many bytes; -1 stands for NULL (§55.7, Bind and
    /// DataRow). The length is checked against what is left before anything is sliced.
    /// </summary>
    public bool TryReadNullableBytes(out ReadOnlySequence<byte> value, out bool isNull)
    {
        value = default;
        isNull = false;
        if (!_reader.TryReadBigEndian(out int length))
        {
            return false;
        }

        if (length == -1)
        {
            isNull = true;
            return true;
        }

        return TryReadBytes(length, out value);
    }

    public ReadOnlySequence<byte> ReadRest()
    {
        var rest = _reader.UnreadSequence;
        _reader.AdvanceToEnd();
        return rest;
    }
}
