using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;

namespace OrleansGate.Proxy.Masking;

/// <summary>
/// Hash on integer and uuid columns: a value of the same type derived from the HMAC of the value's
/// canonical text, so a masked key still joins with the same key masked in another result, whichever
/// wire format each result used.
/// </summary>
public sealed partial class ColumnMasker
{
    private void WriteHashedInteger(ReadOnlySpan<byte> value, IBufferWriter<byte> output)
    {
        var number = ReadInteger(value);
        Span<byte> canonical = stackalloc byte[24];
        Utf8Formatter.TryFormat(number, canonical, out var length);
        Span<byte> hash = stackalloc byte[MaskingKey.HashBytes];
        _key.Hash(canonical[..length], hash);

        var width = IntegerWidth();
        long hashed = _family switch
        {
            TypeFamily.Int2 => BinaryPrimitives.ReadInt16BigEndian(hash),
            TypeFamily.Int4 => BinaryPrimitives.ReadInt32BigEndian(hash),
            TypeFamily.Oid => BinaryPrimitives.ReadUInt32BigEndian(hash),
            _ => BinaryPrimitives.ReadInt64BigEndian(hash),
        };

        if (_binary)
        {
            // The leading HMAC bytes are the big-endian value already.
            output.Write(hash[..width]);
            return;
        }

        var text = output.GetSpan(24);
        Utf8Formatter.TryFormat(hashed, text, out var written);
        output.Advance(written);
    }

    private long ReadInteger(ReadOnlySpan<byte> value)
    {
        var width = IntegerWidth();
        if (_binary)
        {
            if (value.Length != width)
            {
                throw Invalid($"binary integer of {value.Length} bytes, expected {width}");
            }

            return _family switch
            {
                TypeFamily.Int2 => BinaryPrimitives.ReadInt16BigEndian(value),
                TypeFamily.Int4 => BinaryPrimitives.ReadInt32BigEndian(value),
                TypeFamily.Oid => BinaryPrimitives.ReadUInt32BigEndian(value),
                _ => BinaryPrimitives.ReadInt64BigEndian(value),
            };
        }

        if (!Utf8Parser.TryParse(value, out long number, out var consumed) || consumed != value.Length || !FitsType(number))
        {
            throw Invalid("the value is not an integer of the column's type");
        }

        return number;
    }

    private bool FitsType(long number) => _family switch
    {
        TypeFamily.Int2 => number is >= short.MinValue and <= short.MaxValue,
        TypeFamily.Int4 => number is >= int.MinValue and <= int.MaxValue,
        TypeFamily.Oid => number is >= 0 and <= uint.MaxValue,
        _ => true,
    };

    private int IntegerWidth() => _family switch
    {
        TypeFamily.Int2 => 2,
        TypeFamily.Int4 or TypeFamily.Oid => 4,
        _ => 8,
    };

    private void WriteHashedUuid(ReadOnlySpan<byte> value, IBufferWriter<byte> output)
    {
        Guid uuid;
        if (_binary)
        {
            if (value.Length != 16)
            {
                throw Invalid($"binary uuid of {value.Length} bytes, expected 16");
            }

            uuid = new Guid(value, bigEndian: true);
        }
        else if (!Utf8Parser.TryParse(value, out uuid, out var consumed, 'D') || consumed != value.Length)
        {
            throw Invalid("the value is not a uuid in its canonical text form");
        }

        // The canonical text (lower-case, hyphenated) is what text format carries; hash that.
        Span<byte> canonical = stackalloc byte[36];
        Utf8Formatter.TryFormat(uuid, canonical, out _, 'D');
        Span<byte> hash = stackalloc byte[MaskingKey.HashBytes];
        _key.Hash(canonical, hash);

        if (_binary)
        {
            output.Write(hash[..16]);
            return;
        }

        var text = output.GetSpan(36);
        Utf8Formatter.TryFormat(new Guid(hash[..16], bigEndian: true), text, out var written, 'D');
        output.Advance(written);
    }
}
