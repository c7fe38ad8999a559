using OrleansGate.Proxy.Protocol;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Robustness;

/// <summary>
/// SSLRequest and GSSENCRequest before the StartupMessage (§55.2.10, §55.2.11), on a gateway
/// without TLS: each may come once, in either order, and is answered 'N'; a repeated one is
/// refused at once rather than answered until the authentication timeout.
/// </summary>
public sealed class EncryptionRequestTests(PostgresFixture postgres) : RobustnessTestBase(postgres)
{
    [Theory]
    [InlineData(StartupCodes.GssEncRequest, StartupCodes.SslRequest)] // libpq with gssencmode=prefer, sslmode=prefer
    [InlineData(StartupCodes.SslRequest, StartupCodes.GssEncRequest)]
    public async Task One_request_of_each_kind_is_declined_and_the_login_goes_on(int first, int second)
    {
        await using var client = await RawClient.ConnectAsync(Gateway.Port);

        await client.SendAsync(b => b.StartUntyped().WriteInt32(first).Finish());
        Assert.Equal((byte)'N', await client.ReadByteAsync(Prompt));
        await client.SendAsync(b => b.StartUntyped().WriteInt32(second).Finish());
        Assert.Equal((byte)'N', await client.ReadByteAsync(Prompt));
        var greeting = await client.LoginAsync("alice", GatewayConfig.AlicePassword, "main");

        Assert.Equal('Z', greeting[^1].Type);
        await client.QueryAsync("SELECT 1");
        Assert.Contains(await client.ReadUntilReadyAsync(Prompt), m => m.Type == 'D');
    }

    [Theory]
    [InlineData(StartupCodes.GssEncRequest, "GSSAPI encryption was already requested")]
    [InlineData(StartupCodes.SslRequest, "SSL encryption was already requested")]
    public async Task A_repeated_request_is_refused_at_once(int code, string expected)
    {
        await using var client = await RawClient.ConnectAsync(Gateway.Port);

        await client.SendAsync(b => b.StartUntyped().WriteInt32(code).Finish());
        Assert.Equal((byte)'N', await client.ReadByteAsync(Prompt));
        await client.SendAsync(b => b.StartUntyped().WriteInt32(code).Finish());

        Assert.Equal(expected, await AssertFatalAndClosedAsync(client, SqlState.ProtocolViolation));
        await AssertGatewayStillServesAsync();
    }

    [Fact]
    public async Task A_third_encryption_request_is_refused_at_once()
    {
        // Before the fix, every GSSENCRequest got an 'N', until the 60-second authentication timeout.
        await using var client = await RawClient.ConnectAsync(Gateway.Port);

        await client.SendAsync(b => b.StartUntyped().WriteInt32(StartupCodes.GssEncRequest).Finish());
        Assert.Equal((byte)'N', await client.ReadByteAsync(Prompt));
        await client.SendAsync(b => b.StartUntyped().WriteInt32(StartupCodes.SslRequest).Finish());
        Assert.Equal((byte)'N', await client.ReadByteAsync(Prompt));
        await client.SendAsync(b => b.StartUntyped().WriteInt32(StartupCodes.GssEncRequest).Finish());

        await AssertFatalAndClosedAsync(client, SqlState.ProtocolViolation);
        await AssertNoSessionLeftAsync();
    }
}
