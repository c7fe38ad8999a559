using System.Diagnostics;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Robustness;

/// <summary>
/// A client that stops reading while its result streams: every buffer between it and the
/// database fills, and the gateway's writes to it block. Stopping the gateway must not wait
/// for that client.
/// </summary>
public sealed class StuckClientShutdownTests(PostgresFixture postgres) : RobustnessTestBase(postgres)
{
    [Fact]
    public async Task The_gateway_stops_promptly_although_a_client_has_stopped_reading()
    {
        const string application = "stuck-reader";
        var configuration = GatewayConfig.Standard(Postgres, Database);
        Configure(configuration);
        var gateway = await TestGateway.StartAsync(configuration);
        await using var client = await RawClient.ConnectAsync(gateway.Port);
        await client.LoginAsync("alice", GatewayConfig.AlicePassword, "main", [new("application_name", application)]);
        await client.QueryAsync("SELECT n, repeat('x', 100) FROM generate_series(1, 2000000) AS n");

        // The database waits to write to the gateway once the gateway cannot write to the client;
        // seen for a while, not just once, so that every buffer on the way is full.
        await WaitForSteadyWaitEventAsync(application, "ClientWrite");
        var stopping = Stopwatch.StartNew();
        await gateway.DisposeAsync();

        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(12), $"stopping took {stopping.Elapsed}");
        Assert.Equal(0, gateway.Server.ActiveSessions);
        await AssertUpstreamSessionEndsAsync(application);
    }

    private async Task WaitForSteadyWaitEventAsync(string application, string waitEvent)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        var seenInARow = 0;
        while (seenInARow < 5)
        {
            await using var admin = await Postgres.OpenAdminAsync();
            await using var command = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event = $2", admin)
            {
                Parameters = { new() { Value = application }, new() { Value = waitEvent } },
            };
            seenInARow = (long)(await command.ExecuteScalarAsync())! > 0 ? seenInARow + 1 : 0;
            Assert.True(DateTime.UtcNow < deadline, $"the database session never waited on {waitEvent}");
            await Task.Delay(100);
        }
    }
}
