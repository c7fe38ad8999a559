using OrleansGate.Proxy.Protocol;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Robustness;

/// <summary>A type byte no client may send once the session runs.</summary>
public sealed class UnknownMessageTypeTests(PostgresFixture postgres) : RobustnessTestBase(postgres)
{
    [Theory]
    [InlineData((byte)'y', "'y'")]
    [InlineData((byte)'p', "'p'")]  // a password message, valid only during authentication
    [InlineData((byte)0x00, "0x00")]
    public async Task An_unknown_message_type_is_refused_and_the_session_closed(byte type, string printed)
    {
        var application = $"unknown-type-{type}";
        await using var client = await LoginRawAsync(application);

        await client.SendAsync(b => b.Start(type).WriteCString("SELECT 1").Finish());

        Assert.Equal($"invalid frontend message type {printed}", await AssertFatalAndClosedAsync(client, SqlState.ProtocolViolation));
        await AssertUpstreamSessionEndsAsync(application);
        await AssertGatewayStillServesAsync();
    }

    [Fact]
    public async Task A_query_before_the_unknown_message_is_answered_first()
    {
        const string application = "unknown-type-after-query";
        await using var client = await LoginRawAsync(application);

        await client.QueryAsync("SELECT 41 + 1");
        var answer = await client.ReadUntilReadyAsync(Prompt);
        await client.SendAsync(b => b.Start((byte)'y').Finish());

        Assert.Contains(answer, m => m.Type == 'D' && RawClient.Contains(m.Payload, "42"));
        await AssertFatalAndClosedAsync(client, SqlState.ProtocolViolation);
        await AssertUpstreamSessionEndsAsync(application);
    }
}
