using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansGate.Grains.Sessions.Live;
using OrleansGate.Grains.Sessions.Sweeping;
using OrleansGate.ReplayTool.Cli;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.ReplayTool.Verify;

/// <summary>
/// A gateway process killed outright (SIGKILL: no SessionEnded) leaves its session unsealed; a
/// sweeper of the gateways sharing its audit schema seals that session as ended by failure, and
/// verify then passes it with every link verifying, while the live sessions in the same schema — of
/// another gateway process and of this test's in-process gateway — stay open and usable.
/// </summary>
/// <remarks>
/// The other gateway (this test's in-process one) sweeps the same schema with a liveness clock
/// running <see cref="Ahead"/> of real time: it finds the cut session idle past the grace that much
/// sooner. Ahead is shorter than the grace by more than a few heartbeats, so the heartbeats the
/// gateway process writes by the database's clock still look fresh to it, as they must.
/// </remarks>
public sealed class CrashSealTests(PostgresFixture postgres, Xunit.Abstractions.ITestOutputHelper output) : IntegrityTestBase(postgres)
{
    private readonly StepTimes _steps = new(output);

    // The shortest settings the validator allows for a one-second sweep and one-second directory renewals.
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Renewal = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Grace = SweeperOptions.MinimumGrace(Interval, Renewal);
    // The other gateway process's heartbeats must look fresh to the in-process sweeper: they are
    // written every Interval, so 6 s short of the grace leaves 5 s for that process to stall.
    private static readonly TimeSpan Ahead = Grace - TimeSpan.FromSeconds(6);

    private readonly AheadClock _clock = new();

    protected override bool SharesGatewayWithClass => false;

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton(new LivenessClock(_clock));

    protected override void Configure(JsonObject configuration)
    {
        base.Configure(configuration);
        // Every gateway that shares an audit database runs the same sweeper settings (docs/configuration.md).
        configuration.Section("Sweeper")["Interval"] = Interval.ToString();
        configuration.Section("Sweeper")["Grace"] = Grace.ToString();
        configuration.Section("Cluster")["DirectoryRenewal"] = Renewal.ToString();
    }

    [Fact]
    public async Task A_session_cut_by_a_killed_gateway_is_sealed_as_ended_by_failure_and_live_sessions_stay_open()
    {
        // A live session of another gateway (this test's in-process one) sharing the audit schema.
        var other = await RunSessionAsync(close: false, "SELECT 1");

        // Two gateway processes sharing the audit schema, each a service of its own, started side by side.
        var (first, firstPort, second, secondPort) = await StartTwoProcessesAsync();
        _steps.Step("two gateway processes listen");
        try
        {
            var live = await OpenAsync(secondPort, "live-" + Token());
            await using var liveConnection = live.Connection;
            var liveId = await SessionOfApplicationAsync(live.Application);
            var liveQuiet = Stopwatch.StartNew();

            var crashed = await OpenAsync(firstPort, "crashed-" + Token());
            var cut = await SessionOfApplicationAsync(crashed.Application);
            first.Kill();
            await first.WaitForExitAsync();
            await crashed.Connection.DisposeAsync();

            var cutRows = await RowsAsync(cut);
            Assert.NotEqual("session_ended", cutRows[^1].Type);
            var deadProxy = (string?)cutRows[0].Data["Proxy"];
            Assert.False(string.IsNullOrEmpty(deadProxy), "SessionStarted names its proxy");
            _steps.Step("the first process is killed");

            // In two steps shorter than a directory lease: the in-process proxy stays listed.
            _clock.Advance(Ahead / 2);
            await Task.Delay(Renewal);
            _clock.Advance(Ahead / 2);

            // Sealed within the grace after its proxy's last sign of life, plus a few sweeps.
            var deadline = Stopwatch.StartNew();
            while ((await RowsAsync(cut))[^1].Type != "session_ended")
            {
                Assert.True(deadline.Elapsed < Grace + TimeSpan.FromSeconds(60), $"session {cut} was never sealed");
                await Task.Delay(500);
            }

            _steps.Step("the cut session is sealed");
            var rows = await RowsAsync(cut);
            Assert.Equal(cutRows.Count + 1, rows.Count);
            Assert.Equal($"failure: proxy {deadProxy} stopped without ending the session", (string?)rows[^1].Data["Reason"]);

            // Live sessions idle for longer than the grace by the in-process sweeper's clock, over
            // two more sweeps: never sealed.
            var idle = Grace + 2 * Interval - Ahead - liveQuiet.Elapsed;
            if (idle > TimeSpan.Zero)
            {
                await Task.Delay(idle);
            }

            Assert.NotEqual("session_ended", (await RowsAsync(liveId))[^1].Type);
            Assert.NotEqual("session_ended", (await RowsAsync(other))[^1].Type);
            await using (var command = new NpgsqlCommand("SELECT count(*) FROM secrets", liveConnection))
            {
                Assert.Equal(10L, await command.ExecuteScalarAsync());
            }

            _steps.Step("the live sessions are still open");
            // The real replay tool, as an auditor runs it over the whole schema.
            var run = await VerifyAsync("--all");
            Assert.True(run.ExitCode == ExitCodes.Ok, run.Output + run.Error);
            var sealedByFailure = run.Result(cut);
            Assert.Equal("ended by failure", sealedByFailure.GetProperty("status").GetString());
            Assert.True(sealedByFailure.GetProperty("sealed").GetBoolean());
            Assert.True(sealedByFailure.GetProperty("ok").GetBoolean());
            Assert.Equal(rows.Count, sealedByFailure.GetProperty("lastPosition").GetInt64());
            Assert.Equal("open", run.Result(liveId).GetProperty("status").GetString());
            Assert.Equal("open", run.Result(other).GetProperty("status").GetString());
        }
        finally
        {
            foreach (var process in new[] { first, second })
            {
                process.Kill();
                await process.WaitForExitAsync();
                process.Dispose();
            }
        }
    }

    /// <summary>The gateway as its own process, twice (services "crash-…" and "live-…"), on this test's audit schema and sweeper settings.</summary>
    private async Task<(System.Diagnostics.Process First, int FirstPort, System.Diagnostics.Process Second, int SecondPort)> StartTwoProcessesAsync()
    {
        var starts = new[] { "crash", "live" }.Select(async service =>
        {
            var configFile = WorkFile($"{service}.json");
            var configuration = GatewayConfig.Standard(Postgres, Database);
            Configure(configuration);
            configuration.Section("Proxy")["Listen"] = "127.0.0.1:0";
            configuration.Section("Cluster")["SiloPort"] = 0;
            configuration.Section("Cluster")["GatewayPort"] = 0;
            configuration.Section("Cluster")["ServiceId"] = $"{service}-{Token()}";
            await File.WriteAllTextAsync(configFile, configuration.ToJson());
            return await GatewayProcess.StartListeningAsync("OrleansGate.Silo", ["--config", configFile]);
        }).ToList();
        try
        {
            var started = await Task.WhenAll(starts);
            return (started[0].Process, started[0].Port, started[1].Process, started[1].Port);
        }
        catch
        {
            // One did not start: the other is not left running.
            foreach (var start in starts.Where(s => s.IsCompletedSuccessfully))
            {
                start.Result.Process.Kill();
                start.Result.Process.Dispose();
            }

            throw;
        }
    }

    private static async Task<(NpgsqlConnection Connection, string Application)> OpenAsync(int port, string application)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = port, Username = "alice", Password = GatewayConfig.AlicePassword, Database = "main",
            Pooling = false, ApplicationName = application, Timeout = 30,
        }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT value FROM secrets WHERE id = 1", connection);
        Assert.Equal("secret 1", await command.ExecuteScalarAsync());
        return (connection, application);
    }
}
