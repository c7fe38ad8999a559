using System.Buffers;

namespace OrleansGate.Proxy.Protocol.Backend;

/// <summary>
/// DataRow ('D'): Int16 column count, then per column Int32 length (-1 = NULL) and the bytes.
/// Walk the columns with <see cref="DataRowReader"/> on hot paths; <see cref="TryDecode"/>
/// copies every value and is meant for tests and rare paths.
/// </summary>
public sealed record DataRow(IReadOnlyList<byte[]?> Values)
{
    public static bool TryDecode(in ReadOnlySequence<byte> payload, out DataRow message)
    {
        message = null!;
        var reader = new DataRowReader(payload);
        if (!reader.IsValid)
        {
            return false;
        }

        var values = new byte[]?[reader.ColumnCount];
        for (var i = 0; i < values.Length; i++)
        {
            if (!reader.TryReadColumn(out var value, out var isNull))
            {
                return false;
            }

            values[i] = isNull ? null : value.ToArray();
        }

        if (!reader.End)
        {
            return false;
        }

        message = new DataRow(values);
        return true;
    }
}

/// <summary>Walks the columns of a DataRow payload without copying them.</summary>
public ref struct DataRowReader
{
    private PayloadReader _reader;

    public DataRowReader(ReadOnlySequence<byte> payload)
    {
        _reader = new PayloadReader(payload);
        // Every column takes at least its 4-byte length: a count the payload cannot hold is
        // invalid from the start, before anyone allocates per column.
        IsValid = _reader.TryReadInt16(out var count) && count >= 0 && _reader.Remaining >= count * 4L;
        ColumnCount = IsValid ? count : 0;
    }

    public bool IsValid { get; }

    public int ColumnCount { get; }

    public readonly bool End => _reader.End;

    public bool TryReadColumn(out ReadOnlySequence<byte> value, out bool isNull) =>
        _reader.TryReadNullableBytes(out value, out isNull);
}
