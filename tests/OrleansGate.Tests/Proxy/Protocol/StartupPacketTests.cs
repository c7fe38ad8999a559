using System.Buffers.Binary;
using System.Text;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Proxy.Protocol.Backend;
using Xunit;

namespace OrleansGate.Tests.Proxy.Protocol;

/// <summary>The untyped packets of the startup phase: decoding their bodies and bounding their length.</summary>
public sealed class StartupPacketTests
{
    private static byte[] Body(int code, params string[] pairs)
    {
        var bytes = new List<byte>(new byte[4]);
        BinaryPrimitives.WriteInt32BigEndian(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes), code);
        foreach (var text in pairs)
        {
            bytes.AddRange(Encoding.UTF8.GetBytes(text));
            bytes.Add(0);
        }

        bytes.Add(0);
        return [.. bytes];
    }

    private static byte[] Code(int code, int extraBytes = 0)
    {
        var bytes = new byte[4 + extraBytes];
        BinaryPrimitives.WriteInt32BigEndian(bytes, code);
        return bytes;
    }

    [Fact]
    public void A_protocol_3_startup_message_yields_its_parameters_in_order()
    {
        var packet = StartupPacket.TryDecode(Body(3 << 16, "user", "alice", "database", "main", "application_name", "tést"));

        var startup = Assert.IsType<StartupMessagePacket>(packet);
        Assert.Equal((3, 0), (startup.MajorVersion, startup.MinorVersion));
        Assert.Equal(["user", "database", "application_name"], startup.Parameters.Select(p => p.Key));
        Assert.Equal("alice", startup["user"]);
        Assert.Equal("tést", startup["application_name"]);
        Assert.Null(startup["options"]);
    }

    [Fact]
    public void A_newer_minor_version_is_still_a_startup_message()
    {
        var startup = Assert.IsType<StartupMessagePacket>(StartupPacket.TryDecode(Body((3 << 16) | 2, "user", "alice")));

        Assert.Equal(2, startup.MinorVersion);
    }

    [Theory]
    [InlineData(2, 0)]
    [InlineData(1, 0)]
    [InlineData(4, 0)]
    [InlineData(0x4745, 0x5420)] // "GET " — an HTTP request sent to the gateway's port
    public void Another_major_version_is_reported_unsupported_without_reading_its_body(int major, int minor)
    {
        // Protocol 2.0's body is fixed-width fields, not name/value pairs; reading it as 3.0
        // would produce nonsense parameters. Here the body would not even parse as 3.0.
        var body = Code((major << 16) | minor, 64);
        body[10] = (byte)'x';

        var packet = StartupPacket.TryDecode(body);

        Assert.Equal(new UnsupportedProtocolPacket(major, minor), packet);
    }

    [Fact]
    public void The_special_request_codes_decode_to_their_packets()
    {
        Assert.IsType<SslRequestPacket>(StartupPacket.TryDecode(Code(StartupCodes.SslRequest)));
        Assert.IsType<GssEncRequestPacket>(StartupPacket.TryDecode(Code(StartupCodes.GssEncRequest)));

        var cancel = Code(StartupCodes.CancelRequest, 8);
        BinaryPrimitives.WriteInt32BigEndian(cancel.AsSpan(4), 1234);
        BinaryPrimitives.WriteInt32BigEndian(cancel.AsSpan(8), -99);
        Assert.Equal(new CancelRequestPacket(new BackendKey(1234, -99)), StartupPacket.TryDecode(cancel));
    }

    public static TheoryData<string, byte[]> MalformedBodies() => new()
    {
        { "shorter than a code", [0, 3, 0] },
        { "SSLRequest with trailing bytes", Code(StartupCodes.SslRequest, 1) },
        { "GSSENCRequest with trailing bytes", Code(StartupCodes.GssEncRequest, 4) },
        { "CancelRequest with a short key", Code(StartupCodes.CancelRequest, 7) },
        { "CancelRequest with a long key", Code(StartupCodes.CancelRequest, 9) },
        { "no final zero byte", Body(3 << 16, "user", "alice")[..^1] },
        { "a name without its value", [.. Code(3 << 16), .. "user\0"u8] },
        { "a value without its terminator", [.. Code(3 << 16), .. "user\0alice"u8] },
        { "bytes after the final zero", [.. Body(3 << 16, "user", "alice"), (byte)'x'] },
        { "a parameter given twice", Body(3 << 16, "user", "alice", "user", "bob") },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public void A_malformed_body_decodes_to_nothing(string why, byte[] body)
    {
        Assert.True(StartupPacket.TryDecode(body) is null, why);
    }

    [Theory]
    [InlineData(100_000)]
    [InlineData(StartupPacket.MaxLength + 1)]
    [InlineData(int.MaxValue)]
    [InlineData(7)]
    [InlineData(0)]
    [InlineData(-8)]
    public async Task A_length_out_of_bounds_is_refused_before_the_body_is_read(int length)
    {
        // Only the length is there: reading (or allocating) the announced body would fail or hang.
        var header = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(header, length);
        using var stream = new MemoryStream(header);

        var read = await StreamMessageIO.ReadStartupPacketAsync(stream, CancellationToken.None);

        Assert.Null(read.Packet);
        Assert.Equal($"invalid length of startup packet: {length}", read.Error);
        Assert.Equal(4, stream.Position);
    }

    [Fact]
    public async Task A_startup_message_of_exactly_the_maximum_length_is_accepted()
    {
        var padding = new string('x', StartupPacket.MaxLength - 4 - 4 - "application_name".Length - 3);
        var body = Body(3 << 16, "application_name", padding);
        Assert.Equal(StartupPacket.MaxLength - 4, body.Length);
        var packet = new byte[4 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(packet, packet.Length);
        body.CopyTo(packet, 4);
        using var stream = new MemoryStream(packet);

        var read = await StreamMessageIO.ReadStartupPacketAsync(stream, CancellationToken.None);

        Assert.Null(read.Error);
        Assert.Equal(padding, Assert.IsType<StartupMessagePacket>(read.Packet)["application_name"]);
    }

    [Fact]
    public async Task A_connection_that_ends_inside_a_startup_packet_is_an_error_and_a_clean_end_is_not()
    {
        var packet = new byte[4 + 8];
        BinaryPrimitives.WriteInt32BigEndian(packet, 16);
        BinaryPrimitives.WriteInt32BigEndian(packet.AsSpan(4), 3 << 16);
        using var truncated = new MemoryStream(packet);
        using var empty = new MemoryStream();

        await Assert.ThrowsAsync<EndOfStreamException>(async () => await StreamMessageIO.ReadStartupPacketAsync(truncated, CancellationToken.None));
        Assert.Equal(StartupReadResult.EndOfStream, await StreamMessageIO.ReadStartupPacketAsync(empty, CancellationToken.None));
    }
}
