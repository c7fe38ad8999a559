using System.Buffers;

namespace OrleansGate.Proxy.Protocol.Frontend;

/// <summary>
/// Parse ('P'): String statement name ("" = the unnamed statement), String query,
/// Int16 parameter type count, then that many Int32 type OIDs (0 = unspecified).
/// </summary>
public sealed record ParseMessage(string StatementName, string Sql, IReadOnlyList<uint> ParameterTypes)
{
    public static bool TryDecode(in ReadOnlySequence<byte> payload, out ParseMessage message)
    {
        message = null!;
        var reader = new PayloadReader(payload);
        if (!reader.TryReadCString(out var name) || !reader.TryReadCString(out var sql) ||
            !reader.TryReadInt16(out var count) || count < 0 || reader.Remaining != count * 4L)
        {
            return false;
        }

        var types = new uint[count];
        for (var i = 0; i < count; i++)
        {
            reader.TryReadUInt32(out types[i]);
        }

        message = new ParseMessage(name, sql, types);
        return true;
    }
}
