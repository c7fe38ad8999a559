using System.Buffers.Binary;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Robustness;

/// <summary>A client that ends its connection in the middle of a message, after a normal login.</summary>
public sealed class TruncatedFrameTests(PostgresFixture postgres) : RobustnessTestBase(postgres)
{
    [Theory]
    [InlineData(3)]   // inside the header
    [InlineData(40)]  // inside the body
    public async Task A_message_cut_short_by_the_end_of_the_connection_is_refused_and_the_session_closed(int bytesSent)
    {
        const string application = "truncated-frame";
        await using var client = await LoginRawAsync(application);
        var query = new byte[100];
        query[0] = (byte)'Q';
        BinaryPrimitives.WriteInt32BigEndian(query.AsSpan(1), 99);
        Assert.Equal(1, await UpstreamSessionsAsync(application));

        await client.SendAsync(query.AsMemory(0, bytesSent));
        client.ShutdownSend();

        var message = await AssertFatalAndClosedAsync(client, SqlState.ProtocolViolation);
        Assert.Equal("the connection ended in the middle of a message", message);
        await AssertUpstreamSessionEndsAsync(application);
        await AssertGatewayStillServesAsync();
    }
}
