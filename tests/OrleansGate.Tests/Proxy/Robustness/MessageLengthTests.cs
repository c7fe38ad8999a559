using System.Buffers.Binary;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Robustness;

/// <summary>A message whose length field cannot be right: below the 4 bytes it takes itself, or absurdly large.</summary>
public sealed class MessageLengthTests(PostgresFixture postgres) : RobustnessTestBase(postgres)
{
    [Theory]
    [InlineData(3, "invalid message length for message type 'Q'")]
    [InlineData(0, "invalid message length for message type 'Q'")]
    [InlineData(-1, "invalid message length for message type 'Q'")]
    [InlineData(int.MaxValue, "message of type 'Q' is longer than the gateway accepts")]
    public async Task A_bad_length_field_is_refused_at_once_and_the_session_closed(int declared, string expected)
    {
        var application = $"bad-length-{declared}";
        await using var client = await LoginRawAsync(application);
        var header = new byte[FrameReader.HeaderLength];
        header[0] = (byte)'Q';
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(1), declared);

        // Only the header: the gateway must decide from it, not wait for a body.
        await client.SendAsync(header);

        Assert.Equal(expected, await AssertFatalAndClosedAsync(client, SqlState.ProtocolViolation));
        await AssertUpstreamSessionEndsAsync(application);
        await AssertGatewayStillServesAsync();
    }
}
