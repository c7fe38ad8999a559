using System.Buffers.Binary;
using System.Text;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Robustness;

/// <summary>What arrives instead of a proper startup packet: garbage, absurd lengths, another protocol.</summary>
public sealed class StartupPacketLimitTests(PostgresFixture postgres) : RobustnessTestBase(postgres)
{
    private static byte[] Packet(int declaredLength, int code, int bodyBytes)
    {
        var bytes = new byte[8 + bodyBytes];
        BinaryPrimitives.WriteInt32BigEndian(bytes, declaredLength);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), code);
        return bytes;
    }

    public static TheoryData<string, byte[], string, string> Refused() => new()
    {
        {
            "an HTTP request", Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: gateway\r\n\r\n"),
            SqlState.ProtocolViolation, "invalid length of startup packet: 1195725856"
        },
        { "a packet claiming 100,000 bytes", Packet(100_000, 3 << 16, 100), SqlState.ProtocolViolation, "invalid length of startup packet: 100000" },
        { "a packet claiming 10,001 bytes", Packet(10_001, 3 << 16, 100), SqlState.ProtocolViolation, "invalid length of startup packet: 10001" },
        { "a length of 3", [0, 0, 0, 3, 0, 3, 0, 0], SqlState.ProtocolViolation, "invalid length of startup packet: 3" },
        { "a protocol 3.0 body without its final zero", [.. Packet(17, 3 << 16, 0), .. "user\0bob"u8, 0], SqlState.ProtocolViolation, "malformed startup packet" },
        { "a protocol 2.0 startup packet", Packet(296, 2 << 16, 288), SqlState.FeatureNotSupported, "unsupported frontend protocol 2.0: the gateway supports 3.0" },
        { "random bytes of a plausible length", [0, 0, 0, 12, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4], SqlState.FeatureNotSupported, "unsupported frontend protocol 57005.48879: the gateway supports 3.0" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_bad_startup_packet_is_answered_with_a_fatal_error_and_the_connection_closed(string what, byte[] bytes, string sqlState,
        string expected)
    {
        await using var client = await RawClient.ConnectAsync(Gateway.Port);

        await client.SendAsync(bytes);

        Assert.True(expected == await AssertFatalAndClosedAsync(client, sqlState), what);
        await AssertGatewayStillServesAsync();
        await AssertNoSessionLeftAsync();
    }

    [Fact]
    public async Task A_startup_packet_cut_short_by_the_end_of_the_connection_is_dropped_quietly()
    {
        // As PostgreSQL does ("incomplete startup packet"): nobody is left to read an answer.
        await using var client = await RawClient.ConnectAsync(Gateway.Port);

        await client.SendAsync(Packet(40, 3 << 16, 5));
        client.ShutdownSend();

        Assert.Empty(await client.ReadToEndAsync(Prompt));
        await AssertGatewayStillServesAsync();
        await AssertNoSessionLeftAsync();
    }
}
