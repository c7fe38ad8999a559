using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansGate.Grains.Sessions.Live;
using OrleansGate.Grains.Sessions.Sweeping;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Cluster;

/// <summary>
/// Cluster mode: a standalone proxy killed outright leaves its session without SessionEnded; once
/// its directory subscription has expired and its heartbeat is older than the grace, the silo's
/// sweeper seals that session as ended by failure. A session held by another, live proxy stays open.
/// The silo's liveness clock runs ahead (<see cref="AheadClock"/>) instead of the test waiting out
/// the lease and the grace.
/// </summary>
public sealed partial class StandaloneProxyTests
{
    [Fact]
    public async Task A_session_of_a_killed_standalone_proxy_is_sealed_by_the_silo_and_the_other_proxy_s_session_stays_open()
    {
        var schema = "og_sweep_" + Guid.NewGuid().ToString("N")[..8];
        var renewal = TimeSpan.FromSeconds(1); // ClusterConfiguration's Cluster:DirectoryRenewal
        var grace = SweeperOptions.MinimumGrace(TimeSpan.FromSeconds(1), renewal); // the shortest the validator allows: 13 s
        var clock = new AheadClock();
        var silo = await StartSiloAsync(configuration =>
        {
            configuration.Section("AuditStore")["Schema"] = schema;
            configuration.Section("Sweeper")["Interval"] = "00:00:01";
            configuration.Section("Sweeper")["Grace"] = grace.ToString();
        }, services => services.AddSingleton(new LivenessClock(clock)));
        using var doomed = StartProxy(connectTimeout: "00:00:30");
        using var surviving = StartProxy(connectTimeout: "00:00:30");
        try
        {
            var doomedPort = await ReadListeningPortAsync(doomed);
            var survivingPort = await ReadListeningPortAsync(surviving);
            await Eventually.HoldsAsync(silo.Grains.GetGrain<ISessionDirectoryGrain>(0).ProxiesAsync, p => p.Count == 2, TimeSpan.FromSeconds(30));

            var cutApplication = "cut-" + Guid.NewGuid().ToString("N")[..8];
            var liveApplication = "live-" + Guid.NewGuid().ToString("N")[..8];
            var cutConnection = await OpenAsync(doomedPort, cutApplication);
            await using var liveConnection = await OpenAsync(survivingPort, liveApplication);
            var cut = await SessionOfAsync(schema, cutApplication);
            var live = await SessionOfAsync(schema, liveApplication);

            Stop(doomed);
            await cutConnection.DisposeAsync();

            // The subscription lasts up to its lease, then the grace runs, then a sweep or two: the
            // silo's clock goes past them in steps shorter than the lease, each followed by a second
            // of real time, in which the surviving proxy renews its subscription and a sweep writes
            // its heartbeat, as they would as the time passed.
            var step = TimeSpan.FromSeconds(3);
            Assert.True(step < SessionDirectory.LeaseFor(renewal) - 2 * renewal);
            var deadline = Stopwatch.StartNew();
            while ((await LastEventAsync(schema, cut)).Type != "session_ended")
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), $"session {cut} was never sealed (the clock {clock.Ahead} ahead)");
                clock.Advance(step);
                await Task.Delay(1000);
            }

            // Never before the grace has run, by the silo's clock, since the session's last sign of life.
            Assert.True(clock.Ahead + deadline.Elapsed >= grace, $"sealed {clock.Ahead + deadline.Elapsed} after the proxy died, within the grace");

            Assert.StartsWith("failure: proxy ", (await LastEventAsync(schema, cut)).Reason, StringComparison.Ordinal);
            Assert.EndsWith(" stopped without ending the session", (await LastEventAsync(schema, cut)).Reason, StringComparison.Ordinal);

            // Idle as long as the cut one, but its proxy is alive: open, and still serving.
            Assert.NotEqual("session_ended", (await LastEventAsync(schema, live)).Type);
            Assert.Equal(1, await liveConnection.ScalarIntAsync("SELECT 1"));
        }
        finally
        {
            Stop(doomed);
            Stop(surviving);
        }
    }

    private static async Task<NpgsqlConnection> OpenAsync(int port, string application)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = port, Username = "alice", Password = GatewayConfig.AlicePassword, Database = "main",
            Pooling = false, SslMode = SslMode.Disable, Timeout = 15, ApplicationName = application,
        }.ConnectionString);
        await connection.OpenAsync();
        Assert.Equal(1, await connection.ScalarIntAsync("SELECT 1"));
        return connection;
    }

    private async Task<string> SessionOfAsync(string schema, string application)
    {
        await using var audit = new NpgsqlConnection(Postgres.AuditConnectionString);
        await audit.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT stream_id FROM {schema}.mt_events WHERE type = 'session_started' AND data ->> 'ApplicationName' = @application", audit);
        command.Parameters.AddWithValue("application", application);
        return (string)(await command.ExecuteScalarAsync() ?? throw new InvalidOperationException($"no session of {application}"));
    }

    private async Task<(string Type, string? Reason)> LastEventAsync(string schema, string session)
    {
        await using var audit = new NpgsqlConnection(Postgres.AuditConnectionString);
        await audit.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT type, data ->> 'Reason' FROM {schema}.mt_events WHERE stream_id = @session ORDER BY version DESC LIMIT 1", audit);
        command.Parameters.AddWithValue("session", session);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }
}
