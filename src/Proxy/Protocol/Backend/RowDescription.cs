using System.Buffers;

namespace OrleansGate.Proxy.Protocol.Backend;

/// <summary>
/// One column of a RowDescription. <see cref="TableOid"/> and <see cref="ColumnNumber"/> name the
/// column's origin only for a plain column reference; anything computed has TableOid 0.
/// </summary>
public sealed record FieldDescription(
    string Name,
    uint TableOid,
    short ColumnNumber,
    uint TypeOid,
    short TypeSize,
    int TypeModifier,
    short FormatCode);

/// <summary>
/// RowDescription ('T'): Int16 field count, then per field: String name, Int32 table OID,
/// Int16 attribute number, Int32 type OID, Int16 type size, Int32 type modifier, Int16 format.
/// </summary>
public sealed record RowDescription(IReadOnlyList<FieldDescription> Fields)
{
    /// <summary>An empty name's terminator, then 4 + 2 + 4 + 2 + 4 + 2 bytes of fixed fields.</summary>
    private const int MinFieldLength = 19;

    public static bool TryDecode(in ReadOnlySequence<byte> payload, out RowDescription message)
    {
        message = null!;
        var reader = new PayloadReader(payload);
        // A field takes at least MinFieldLength bytes: refuse a count the payload cannot hold
        // before allocating for it.
        if (!reader.TryReadInt16(out var count) || count < 0 || reader.Remaining < count * (long)MinFieldLength)
        {
            return false;
        }

        var fields = new FieldDescription[count];
        for (var i = 0; i < count; i++)
        {
            if (!reader.TryReadCString(out var name) || !reader.TryReadUInt32(out var table) ||
                !reader.TryReadInt16(out var column) || !reader.TryReadUInt32(out var type) ||
                !reader.TryReadInt16(out var size) || !reader.TryReadInt32(out var modifier) ||
                !reader.TryReadInt16(out var format))
            {
                return false;
            }

            fields[i] = new FieldDescription(name, table, column, type, size, modifier, format);
        }

        if (!reader.End)
        {
            return false;
        }

        message = new RowDescription(fields);
        return true;
    }
}
