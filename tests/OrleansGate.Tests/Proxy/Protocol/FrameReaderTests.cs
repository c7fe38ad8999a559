using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using OrleansGate.Proxy.Protocol;
using Xunit;

namespace OrleansGate.Tests.Proxy.Protocol;

/// <summary>Cutting regular frames (type, Int32 length, payload) out of what a pipe has read so far.</summary>
public sealed class FrameReaderTests
{
    private const int Cap = 1024 * 1024;

    private static byte[] Query(string sql)
    {
        using var builder = new MessageBuilder();
        return builder.Start((byte)'Q').WriteCString(sql).Finish().ToArray();
    }

    private static byte[] Header(byte type, int declaredLength)
    {
        var header = new byte[5];
        header[0] = type;
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(1), declaredLength);
        return header;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void A_frame_split_over_many_segments_is_read_whole(int segmentLength)
    {
        var bytes = Query("SELECT 'split across segments'");
        var buffer = SegmentedSequence.Split(bytes, segmentLength);

        Assert.Equal(FrameStatus.Complete, FrameReader.TryRead(buffer, Cap, out var frame));

        Assert.Equal((byte)'Q', frame.Type);
        Assert.Equal(bytes.Length, frame.Length);
        Assert.Equal(bytes, frame.Whole.ToArray());
        Assert.Equal("SELECT 'split across segments'\0", Encoding.UTF8.GetString(frame.Payload.ToArray()));
    }

    [Fact]
    public void Two_frames_in_one_buffer_are_read_one_after_the_other()
    {
        var first = Query("SELECT 1");
        var second = Query("SELECT 2");
        var buffer = SegmentedSequence.Split([.. first, .. second], 4);

        Assert.Equal(FrameStatus.Complete, FrameReader.TryRead(buffer, Cap, out var one));
        var rest = buffer.Slice(one.Length);
        Assert.Equal(FrameStatus.Complete, FrameReader.TryRead(rest, Cap, out var two));

        Assert.Equal(first, one.Whole.ToArray());
        Assert.Equal(second, two.Whole.ToArray());
        Assert.Equal(FrameStatus.Incomplete, FrameReader.TryRead(rest.Slice(two.Length), Cap, out _));
    }

    [Fact]
    public void Every_prefix_of_a_frame_needs_more_data_and_yields_nothing()
    {
        var bytes = Query("SELECT 42");
        for (var length = 0; length < bytes.Length; length++)
        {
            var prefix = SegmentedSequence.Split(bytes[..length], 3);

            Assert.Equal(FrameStatus.Incomplete, FrameReader.TryRead(prefix, Cap, out var frame));
            Assert.Equal(0, frame.Length);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void A_length_below_four_is_a_bad_length(int declared)
    {
        var buffer = SegmentedSequence.Split(Header((byte)'Q', declared), 2);

        Assert.Equal(FrameStatus.BadLength, FrameReader.TryRead(buffer, Cap, out _));
    }

    [Fact]
    public void A_length_of_four_is_a_frame_with_an_empty_payload()
    {
        var buffer = new ReadOnlySequence<byte>(Header((byte)'S', 4));

        Assert.Equal(FrameStatus.Complete, FrameReader.TryRead(buffer, Cap, out var frame));
        Assert.True(frame.Payload.IsEmpty);
    }

    [Theory]
    [InlineData(Cap + 1)]
    [InlineData(int.MaxValue)]
    public void A_length_over_the_cap_is_refused_from_the_header_alone_without_allocating(int declared)
    {
        // Only the 5 header bytes are there: the body is never waited for, let alone buffered.
        var buffer = SegmentedSequence.Split(Header((byte)'Q', declared), 1);
        FrameReader.TryRead(buffer, Cap, out _); // warm up, so the JIT's own allocations do not count

        var before = GC.GetAllocatedBytesForCurrentThread();
        var status = FrameReader.TryRead(buffer, Cap, out _);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(FrameStatus.TooLarge, status);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void A_length_exactly_at_the_cap_is_accepted()
    {
        var payload = new byte[Cap - 4];
        var buffer = SegmentedSequence.Of(Header((byte)'d', Cap), payload);

        Assert.Equal(FrameStatus.Complete, FrameReader.TryRead(buffer, Cap, out var frame));
        Assert.Equal(Cap + 1L, frame.Length);
    }

    [Fact]
    public void A_copy_data_frame_carries_its_bytes_as_the_payload_unchanged()
    {
        byte[] data = [0, 1, 2, 0xff, (byte)'\n', 0];
        using var builder = new MessageBuilder();
        var bytes = builder.Start((byte)FrontendMessageType.CopyData).WriteBytes(data).Finish().ToArray();

        Assert.Equal(FrameStatus.Complete, FrameReader.TryRead(SegmentedSequence.Split(bytes, 2), Cap, out var frame));

        Assert.Equal((byte)'d', frame.Type);
        Assert.Equal(data, frame.Payload.ToArray());
    }

    [Fact]
    public void The_type_byte_is_peeked_even_behind_an_empty_segment()
    {
        var buffer = SegmentedSequence.Of([], [(byte)'X'], [0, 0]);

        Assert.True(FrameReader.TryPeekType(buffer, out var type));
        Assert.Equal((byte)'X', type);
        Assert.False(FrameReader.TryPeekType(ReadOnlySequence<byte>.Empty, out _));
    }
}
