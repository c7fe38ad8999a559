using System.Buffers;

namespace OrleansGate.Proxy.Protocol.Frontend;

/// <summary>Execute ('E'): portal name, Int32 row limit (0 or negative = no limit, as PostgreSQL reads it).</summary>
public sealed record ExecuteMessage(string PortalName, int MaxRows)
{
    public static bool TryDecode(in ReadOnlySequence<byte> payload, out ExecuteMessage message)
    {
        var reader = new PayloadReader(payload);
        if (reader.TryReadCString(out var portal) && reader.TryReadInt32(out var maxRows) && reader.End)
        {
            message = new ExecuteMessage(portal, maxRows);
            return true;
        }

        message = null!;
        return false;
    }
}
