using System.Buffers.Binary;

namespace OrleansGate.Proxy.Protocol;

/// <summary>
/// Exact-length reads of single messages straight from a stream, for the startup and
/// authentication phase only. Reading exactly one message at a time leaves any bytes that
/// follow in the socket, so a TLS handshake (after SSLRequest) or the relay's pipe (after
/// authentication) starts from the right byte; the relay itself reads through pipes.
/// </summary>
public static class StreamMessageIO
{
    /// <summary>Reads a startup-phase packet; null at a clean end of stream before any byte.</summary>
    public static async ValueTask<StartupReadResult> ReadStartupPacketAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[4];
        if (!await ReadExactOrEndAsync(stream, header, cancellationToken).ConfigureAwait(false))
        {
            return StartupReadResult.EndOfStream;
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(header);
        if (length < 8 || length > StartupPacket.MaxLength)
        {
            return StartupReadResult.Invalid($"invalid length of startup packet: {length}");
        }

        var body = new byte[length - 4];
        await stream.ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
        var packet = StartupPacket.TryDecode(body);
        return packet is null ? StartupReadResult.Invalid("malformed startup packet") : new StartupReadResult(packet, null);
    }

    /// <summary>
    /// Reads one regular message (type, length, payload). The length is checked against
    /// <paramref name="maxMessageLength"/> before the payload is allocated.
    /// </summary>
    public static async ValueTask<(byte Type, byte[] Payload)> ReadMessageAsync(Stream stream, int maxMessageLength,
        CancellationToken cancellationToken)
    {
        var header = new byte[FrameReader.HeaderLength];
        await stream.ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
        var length = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1));
        if (length < 4 || length > maxMessageLength)
        {
            throw new WireProtocolException(
                $"invalid message length {length} for message type {MessageTypeNames.Printable(header[0])}");
        }

        var payload = length == 4 ? [] : new byte[length - 4];
        await stream.ReadExactlyAsync(payload, cancellationToken).ConfigureAwait(false);
        return (header[0], payload);
    }

    public static async ValueTask WriteAsync(Stream stream, MessageBuilder builder, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(builder.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        builder.Reset();
    }

    private static async ValueTask<bool> ReadExactOrEndAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                if (read == 0)
                {
                    return false;
                }

                throw new EndOfStreamException("The peer closed the connection in the middle of a packet.");
            }

            read += n;
        }

        return true;
    }
}

public readonly record struct StartupReadResult(StartupPacket? Packet, string? Error)
{
    public static StartupReadResult EndOfStream => new(null, null);

    public static StartupReadResult Invalid(string error) => new(null, error);
}

/// <summary>The peer broke the protocol; the connection is answered with 08P01 and closed.</summary>
public sealed class WireProtocolException(string message) : Exception(message);
