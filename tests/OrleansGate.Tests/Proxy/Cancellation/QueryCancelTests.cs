using System.Buffers.Binary;
using System.Diagnostics;
using Npgsql;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Proxy.Protocol.Backend;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Cancellation;

/// <summary>
/// Query cancellation through the gateway's own cancel keys: a driver's cancel stops the
/// statement and leaves the session usable; a CancelRequest with the wrong secret stops nothing.
/// </summary>
public sealed class QueryCancelTests(PostgresFixture postgres) : GatewayTestBase(postgres)
{
    [Fact]
    public async Task A_cancellation_token_stops_a_long_query_within_two_seconds_and_the_session_goes_on()
    {
        await using var connection = await OpenViaGatewayAsync();
        await CancelCheck.AssertLongQueryIsCancelledAsync(connection);
    }

    [Fact]
    public async Task NpgsqlCommand_Cancel_stops_a_running_query_with_57014()
    {
        await using var connection = await OpenViaGatewayAsync();
        await using var command = new NpgsqlCommand("SELECT pg_sleep(30) AS command_cancel", connection);
        var running = command.ExecuteNonQueryAsync();
        await CancelCheck.WaitUntilRunningAsync(Postgres, "SELECT pg_sleep(30) AS command_cancel");
        var clock = Stopwatch.StartNew();

        command.Cancel();
        // Npgsql reports a cancel it asked for as OperationCanceledException around the server's error.
        var canceled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);

        Assert.Equal("57014", Assert.IsType<PostgresException>(canceled.InnerException).SqlState);
        Assert.True(clock.Elapsed < CancelCheck.Prompt, $"the cancel took {clock.Elapsed}");
        await using var next = new NpgsqlCommand("SELECT 1", connection);
        Assert.Equal(1, await next.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_cancel_request_with_the_right_key_stops_the_query()
    {
        var result = await SleepWhileCancellingAsync("SELECT pg_sleep(30) AS right_key", key => key);

        var error = RawClient.Error(Assert.Single(result, m => m.Type == 'E'));
        Assert.Equal("57014", error.SqlState);
    }

    [Fact]
    public async Task A_cancel_request_with_the_right_process_id_but_a_wrong_secret_cancels_nothing()
    {
        var clock = Stopwatch.StartNew();
        var result = await SleepWhileCancellingAsync("SELECT pg_sleep(2) AS wrong_secret", key => key with { SecretKey = key.SecretKey ^ 1 });

        Assert.DoesNotContain(result, m => m.Type == 'E');
        Assert.Contains(result, m => m.Type == 'C');
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2), "the sleep ended early");
    }

    /// <summary>
    /// Starts <paramref name="sql"/> on a raw session, sends a CancelRequest with the session's
    /// key as <paramref name="alter"/> changes it, and returns the statement's messages up to ReadyForQuery.
    /// </summary>
    private async Task<List<(char Type, byte[] Payload)>> SleepWhileCancellingAsync(string sql, Func<BackendKey, BackendKey> alter)
    {
        await using var session = await RawClient.ConnectAsync(Gateway.Port);
        var login = await session.LoginAsync("alice", GatewayConfig.AlicePassword, "main");
        var keyData = Assert.Single(login, m => m.Type == 'K').Payload;
        var key = new BackendKey(BinaryPrimitives.ReadInt32BigEndian(keyData), BinaryPrimitives.ReadInt32BigEndian(keyData.AsSpan(4)));
        await session.QueryAsync(sql);
        await CancelCheck.WaitUntilRunningAsync(Postgres, sql);

        await using (var canceller = await RawClient.ConnectAsync(Gateway.Port))
        {
            await canceller.SendAsync(b => b.CancelRequest(alter(key)));
            // As PostgreSQL does, the gateway answers a CancelRequest with nothing but closing the connection.
            Assert.Empty(await canceller.ReadToEndAsync());
            Assert.Empty(canceller.Received);
        }

        return await session.ReadUntilReadyAsync(TimeSpan.FromSeconds(10));
    }
}
