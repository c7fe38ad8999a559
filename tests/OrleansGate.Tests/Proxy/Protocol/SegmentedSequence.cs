using System.Buffers;

namespace OrleansGate.Tests.Proxy.Protocol;

/// <summary>
/// Builds a multi-segment <see cref="ReadOnlySequence{T}"/>, the shape a pipe hands over when
/// a message arrived in several reads, so decoders are tested across segment boundaries.
/// </summary>
public static class SegmentedSequence
{
    /// <summary>The payload (type and length stripped) of a message composed with the builder, in 3-byte segments.</summary>
    public static ReadOnlySequence<byte> Payload(Action<OrleansGate.Proxy.Protocol.MessageBuilder> write)
    {
        using var builder = new OrleansGate.Proxy.Protocol.MessageBuilder();
        builder.Start((byte)'?');
        write(builder);
        var bytes = builder.Finish().ToArray();
        return Split(bytes[OrleansGate.Proxy.Protocol.FrameReader.HeaderLength..], 3);
    }

    /// <summary>The bytes split into segments of <paramref name="segmentLength"/> bytes (the last may be shorter).</summary>
    public static ReadOnlySequence<byte> Split(byte[] bytes, int segmentLength)
    {
        var chunks = new List<byte[]>();
        for (var at = 0; at < bytes.Length; at += segmentLength)
        {
            chunks.Add(bytes[at..Math.Min(bytes.Length, at + segmentLength)]);
        }

        return Of([.. chunks]);
    }

    /// <summary>One segment per chunk, empty chunks included (a pipe can produce those at a boundary).</summary>
    public static ReadOnlySequence<byte> Of(params byte[][] chunks)
    {
        if (chunks.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(chunks[0], 0);
        var last = first;
        foreach (var chunk in chunks.Skip(1))
        {
            last = last.Append(chunk);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes, long runningIndex)
        {
            Memory = bytes;
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] bytes)
        {
            var next = new Segment(bytes, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
