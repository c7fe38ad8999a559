using System.Buffers;

namespace OrleansGate.Proxy.Protocol.Frontend;

/// <summary>Query ('Q'): simple protocol; one String that may hold several statements.</summary>
public sealed record QueryMessage(string Sql)
{
    public static bool TryDecode(in ReadOnlySequence<byte> payload, out QueryMessage message)
    {
        var reader = new PayloadReader(payload);
        if (reader.TryReadCString(out var sql) && reader.End)
        {
            message = new QueryMessage(sql);
            return true;
        }

        message = null!;
        return false;
    }
}
