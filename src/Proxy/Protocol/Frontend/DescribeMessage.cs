using System.Buffers;

namespace OrleansGate.Proxy.Protocol.Frontend;

/// <summary>Whether a Describe or Close names a prepared statement ('S') or a portal ('P').</summary>
public enum StatementOrPortal : byte
{
    Statement = (byte)'S',
    Portal = (byte)'P',
}

/// <summary>Describe ('D'): Byte1 'S' or 'P', then the name.</summary>
public sealed record DescribeMessage(StatementOrPortal Kind, string Name)
{
    public static bool TryDecode(in ReadOnlySequence<byte> payload, out DescribeMessage message)
    {
        var ok = StatementOrPortalName.TryDecode(payload, out var kind, out var name);
        message = ok ? new DescribeMessage(kind, name) : null!;
        return ok;
    }
}

/// <summary>Close ('C'): Byte1 'S' or 'P', then the name.</summary>
public sealed record CloseMessage(StatementOrPortal Kind, string Name)
{
    public static bool TryDecode(in ReadOnlySequence<byte> payload, out CloseMessage message)
    {
        var ok = StatementOrPortalName.TryDecode(payload, out var kind, out var name);
        message = ok ? new CloseMessage(kind, name) : null!;
        return ok;
    }
}

internal static class StatementOrPortalName
{
    /// <summary>A well-formed Describe or Close whose kind byte is neither 'S' nor 'P' (the server answers that with an error, not a disconnect).</summary>
    public static bool HasUnknownKind(in ReadOnlySequence<byte> payload, out byte kind)
    {
        var reader = new PayloadReader(payload);
        return reader.TryReadByte(out kind) && kind is not ((byte)'S' or (byte)'P') && reader.TryReadCString(out _) && reader.End;
    }

    public static bool TryDecode(in ReadOnlySequence<byte> payload, out StatementOrPortal kind, out string name)
    {
        kind = default;
        name = string.Empty;
        var reader = new PayloadReader(payload);
        if (!reader.TryReadByte(out var k) || k is not ((byte)'S' or (byte)'P') ||
            !reader.TryReadCString(out name) || !reader.End)
        {
            return false;
        }

        kind = (StatementOrPortal)k;
        return true;
    }
}
