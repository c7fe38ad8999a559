using System.Buffers;
using System.Buffers.Binary;

namespace OrleansGate.Proxy.Protocol;

/// <summary>What <see cref="FrameReader.TryRead"/> found at the start of a buffer.</summary>
public enum FrameStatus
{
    /// <summary>A whole frame is in the buffer.</summary>
    Complete,
    /// <summary>More bytes are needed; nothing was consumed.</summary>
    Incomplete,
    /// <summary>The declared length is below the 4 bytes the length field itself takes.</summary>
    BadLength,
    /// <summary>The declared length is over the configured cap; rejected before buffering it.</summary>
    TooLarge,
}

/// <summary>One regular (typed) protocol frame, sliced from the receive buffer without copying.</summary>
/// <remarks>
/// Protocol 3.0, "Message Formats" (PostgreSQL docs §55.7): every message after the startup
/// phase is laid out as
/// <code>
///   +------+----------------+--------------------------+
///   | type | length (int32) | payload (length - 4)     |
///   +------+----------------+--------------------------+
///     1 B    4 B, big-endian, counts itself, not the type byte
/// </code>
/// The slices are valid only until the reader that produced them is advanced.
/// </remarks>
public readonly struct Frame
{
    public Frame(byte type, ReadOnlySequence<byte> whole)
    {
        Type = type;
        Whole = whole;
    }

    /// <summary>The type byte; its meaning depends on the direction (frontend or backend).</summary>
    public byte Type { get; }

    /// <summary>Type byte, length and payload, exactly as received.</summary>
    public ReadOnlySequence<byte> Whole { get; }

    /// <summary>The payload, after the type byte and the length.</summary>
    public ReadOnlySequence<byte> Payload => Whole.Slice(FrameReader.HeaderLength);

    public long Length => Whole.Length;
}

/// <summary>Cuts regular protocol frames out of a receive buffer.</summary>
public static class FrameReader
{
    public const int HeaderLength = 5;

    /// <summary>
    /// The type byte at the start of <paramref name="buffer"/>, read before the rest of the
    /// header has arrived so that an unknown type can be refused at once. Works across segment
    /// boundaries (a sliced sequence may start with an empty span).
    /// </summary>
    public static bool TryPeekType(in ReadOnlySequence<byte> buffer, out byte type)
    {
        var reader = new SequenceReader<byte>(buffer);
        return reader.TryPeek(out type);
    }

    /// <summary>
    /// Reads the frame at the start of <paramref name="buffer"/>. The declared length (which
    /// counts itself and the payload) is checked against <paramref name="maxMessageLength"/> as
    /// soon as the 5-byte header is in, so an oversized frame is refused before it is buffered.
    /// </summary>
    public static FrameStatus TryRead(in ReadOnlySequence<byte> buffer, int maxMessageLength, out Frame frame)
    {
        frame = default;
        if (buffer.Length < HeaderLength)
        {
            return FrameStatus.Incomplete;
        }

        Span<byte> header = stackalloc byte[HeaderLength];
        buffer.Slice(0, HeaderLength).CopyTo(header);
        var type = header[0];
        var declared = BinaryPrimitives.ReadInt32BigEndian(header[1..]);
        if (declared < 4)
        {
            return FrameStatus.BadLength;
        }

        if (declared > maxMessageLength)
        {
            return FrameStatus.TooLarge;
        }

        long total = declared + 1L;
        if (buffer.Length < total)
        {
            return FrameStatus.Incomplete;
        }

        frame = new Frame(type, buffer.Slice(0, total));
        return FrameStatus.Complete;
    }
}
