using OrleansGate.Proxy.Protocol.Backend;

namespace OrleansGate.Proxy.Protocol;

/// <summary>
/// The packets a client may send before authentication. They carry no type byte:
/// <code>
///   +----------------+----------------+-------------------------------+
///   | length (int32) | code (int32)   | body                          |
///   +----------------+----------------+-------------------------------+
///   code = 80877103 SSLRequest | 80877104 GSSENCRequest | 80877102 CancelRequest
///        | (major &lt;&lt; 16 | minor) StartupMessage
/// </code>
/// (§55.7: StartupMessage, SSLRequest, GSSENCRequest, CancelRequest.)
/// </summary>
public abstract record StartupPacket
{
    /// <summary>The largest startup packet accepted (PostgreSQL's own limit, MAX_STARTUP_PACKET_LENGTH).</summary>
    public const int MaxLength = 10_000;

    /// <summary>Decodes a packet body (everything after the length field).</summary>
    public static StartupPacket? TryDecode(ReadOnlySpan<byte> body)
    {
        if (body.Length < 4)
        {
            return null;
        }

        var code = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(body);
        var rest = body[4..];
        switch (code)
        {
            case StartupCodes.SslRequest:
                return rest.IsEmpty ? new SslRequestPacket() : null;
            case StartupCodes.GssEncRequest:
                return rest.IsEmpty ? new GssEncRequestPacket() : null;
            case StartupCodes.CancelRequest:
                return rest.Length == 8
                    ? new CancelRequestPacket(new BackendKey(
                        System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(rest),
                        System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(rest[4..])))
                    : null;
            default:
                var major = code >>> 16;
                var minor = code & 0xffff;
                // Only protocol 3 lays out its body as name/value pairs; another major version
                // (2.0, or bytes that are no startup packet at all) has a body the gateway cannot
                // read, so it is reported as such instead of being mis-parsed as parameters.
                return major == 3
                    ? StartupMessagePacket.TryDecode(major, minor, rest)
                    : new UnsupportedProtocolPacket(major, minor);
        }
    }
}

public sealed record SslRequestPacket : StartupPacket;

public sealed record GssEncRequestPacket : StartupPacket;

public sealed record CancelRequestPacket(BackendKey Key) : StartupPacket;

/// <summary>A startup packet asking for a protocol major version other than 3; its body is not read.</summary>
public sealed record UnsupportedProtocolPacket(int MajorVersion, int MinorVersion) : StartupPacket;

/// <summary>StartupMessage: protocol version, then name/value String pairs ended by a zero byte.</summary>
public sealed record StartupMessagePacket(int MajorVersion, int MinorVersion, IReadOnlyList<KeyValuePair<string, string>> Parameters)
    : StartupPacket
{
    public string? this[string name]
    {
        get
        {
            foreach (var (key, value) in Parameters)
            {
                if (key == name)
                {
                    return value;
                }
            }

            return null;
        }
    }

    internal static StartupMessagePacket? TryDecode(int major, int minor, ReadOnlySpan<byte> rest)
    {
        var parameters = new List<KeyValuePair<string, string>>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var nul = rest.IndexOf((byte)0);
            if (nul < 0)
            {
                return null;
            }

            if (nul == 0)
            {
                // The terminating zero byte must be the last byte of the packet.
                return rest.Length == 1 ? new StartupMessagePacket(major, minor, parameters) : null;
            }

            var name = System.Text.Encoding.UTF8.GetString(rest[..nul]);
            rest = rest[(nul + 1)..];
            var valueEnd = rest.IndexOf((byte)0);
            if (valueEnd < 0)
            {
                return null;
            }

            var value = System.Text.Encoding.UTF8.GetString(rest[..valueEnd]);
            rest = rest[(valueEnd + 1)..];
            if (!names.Add(name))
            {
                return null;
            }

            parameters.Add(new(name, value));
        }
    }
}
