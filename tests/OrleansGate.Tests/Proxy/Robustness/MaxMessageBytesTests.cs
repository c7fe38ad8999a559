using System.Buffers.Binary;
using System.Text.Json.Nodes;
using Npgsql;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Robustness;

/// <summary>OrleansGate:Proxy:MaxMessageBytes, set to 256 KiB here, bounds messages in both directions.</summary>
public sealed class MaxMessageBytesTests(PostgresFixture postgres) : RobustnessTestBase(postgres)
{
    // Under the 512 KiB the gateway parses, so a statement just under the cap is still inspected.
    private const int Cap = 256 * 1024;

    protected override void Configure(JsonObject configuration)
    {
        base.Configure(configuration);
        configuration.Section("Proxy")["MaxMessageBytes"] = Cap;
    }

    [Fact]
    public async Task A_query_just_under_the_cap_goes_through()
    {
        var text = new string('x', Cap - 100);
        await using var connection = await OpenViaGatewayAsync();
        await using var command = new NpgsqlCommand($"SELECT length('{text}')", connection);

        Assert.Equal(text.Length, (int)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_client_message_over_the_cap_is_refused_from_its_header_and_the_session_closed()
    {
        const string application = "over-cap-client";
        await using var client = await LoginRawAsync(application);
        var start = new byte[FrameReader.HeaderLength + 1000];
        start[0] = (byte)'Q';
        BinaryPrimitives.WriteInt32BigEndian(start.AsSpan(1), Cap + 1);
        start.AsSpan(FrameReader.HeaderLength).Fill((byte)'x');

        // The header and a little of the body: the answer must come without the rest.
        await client.SendAsync(start);

        Assert.Equal("message of type 'Q' is longer than the gateway accepts",
            await AssertFatalAndClosedAsync(client, SqlState.ProtocolViolation));
        await AssertUpstreamSessionEndsAsync(application);
        await AssertGatewayStillServesAsync();
    }

    [Fact]
    public async Task A_result_row_over_the_cap_ends_the_session_with_a_protocol_error_not_a_buffered_row()
    {
        const string application = "over-cap-row";
        await using var client = await LoginRawAsync(application);

        await client.QueryAsync($"SELECT repeat('y', {2 * Cap})");

        var message = await AssertFatalAndClosedAsync(client, SqlState.ProtocolViolation);
        Assert.Contains("message of type 'D' is longer than the gateway accepts", message);
        Assert.False(RawClient.Contains(client.Received, new string('y', 1000)));
        await AssertUpstreamSessionEndsAsync(application);
        await AssertGatewayStillServesAsync();
    }
}
