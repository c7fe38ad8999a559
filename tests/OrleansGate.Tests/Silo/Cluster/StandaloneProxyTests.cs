using System.Diagnostics;
using System.Text.RegularExpressions;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansGate.Grains.Audit;
using OrleansGate.Grains.Audit.Events;
using OrleansGate.Grains.Policy;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Cluster;

/// <summary>
/// OrleansGate.Proxy as an operator runs it in Cluster mode: its own process, an Orleans client
/// of the silos, relaying statements that a silo's session grain decided and recorded.
/// </summary>
public sealed partial class StandaloneProxyTests(PostgresFixture postgres) : ClusterTestBase(postgres), IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("og-cluster-proxy-");

    [Fact]
    public async Task The_standalone_proxy_joins_the_cluster_and_relays_what_the_silo_decided()
    {
        var silo = await StartSiloAsync();
        using var proxy = StartProxy(connectTimeout: "00:00:30");
        try
        {
            var port = await ReadListeningPortAsync(proxy);
            var marker = "cluster-" + Guid.NewGuid().ToString("N");
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1", Port = port, Username = "alice", Password = GatewayConfig.AlicePassword, Database = "main",
                Pooling = false, SslMode = SslMode.Disable, Timeout = 15,
            }.ConnectionString);
            await connection.OpenAsync();

            var allowed = $"SELECT '{marker}', current_database()";
            await using (var command = new NpgsqlCommand(allowed, connection))
            await using (var reader = await command.ExecuteReaderAsync())
            {
                Assert.True(await reader.ReadAsync());
                Assert.Equal(marker, reader.GetString(0));
                Assert.Equal(Database, reader.GetString(1));
            }

            // Refused by the silo's policy (a built-in rule): nothing of it reaches the database.
            await using (var command = new NpgsqlCommand($"SELECT pg_read_file('/etc/hostname') AS \"{marker}\"", connection))
            {
                var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteScalarAsync());
                Assert.Equal(Decision.BlockedSqlState, refused.SqlState);
            }

            // Both were recorded by the silo, in the session the proxy opened through the cluster.
            var store = silo.Services.GetRequiredService<IDocumentStore>();
            await using var query = store.QuerySession();
            var received = (await query.Events.QueryAllRawEvents().Where(e => e.EventTypeName == "statement_decided").ToListAsync())
                .Where(e => ((StatementDecided)e.Data).Sql.Contains(marker, StringComparison.Ordinal)).ToList();
            Assert.Equal(2, received.Count);
            var sessionId = Assert.Single(received.Select(e => e.StreamKey).Distinct())!;
            var events = await silo.Services.GetRequiredService<IAuditLog>().ReadStreamAsync(sessionId);
            // (Npgsql's own start-up queries are in the session too; only the marked ones matter here.)
            var marked = received.Select(r => ((StatementDecided)r.Data).Sequence).ToHashSet();
            Assert.Equal([PolicyAction.Allow, PolicyAction.Block],
                events.OfType<StatementDecided>().Where(d => marked.Contains(d.Sequence)).OrderBy(d => d.Sequence).Select(d => d.Action));
            Assert.Equal("alice", Assert.Single(events.OfType<SessionStarted>()).Identity);
        }
        finally
        {
            Stop(proxy);
        }
    }

    [Fact]
    public async Task A_live_client_session_goes_on_when_the_silo_holding_its_grain_stops()
    {
        var first = await StartSiloAsync();
        var second = await StartSiloAsync();
        await Eventually.HoldsAsync(MembersAsync, m => m.Count(x => x.Status == Active) == 2, TimeSpan.FromSeconds(20));
        using var proxy = StartProxy(connectTimeout: "00:00:30");
        try
        {
            var port = await ReadListeningPortAsync(proxy);
            var application = "failover-" + Guid.NewGuid().ToString("N")[..8];
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1", Port = port, Username = "alice", Password = GatewayConfig.AlicePassword, Database = "main",
                Pooling = false, SslMode = SslMode.Disable, Timeout = 15, ApplicationName = application,
            }.ConnectionString);
            await connection.OpenAsync();
            Assert.Equal(1, await connection.ScalarIntAsync("SELECT 1"));

            // Find the silo that holds this session's grain, and stop it under the open connection.
            var store = first.Services.GetRequiredService<IDocumentStore>();
            string sessionId;
            await using (var query = store.QuerySession())
            {
                sessionId = (await query.Events.QueryRawEventDataOnly<SessionStarted>()
                    .Where(e => e.ApplicationName == application).ToListAsync()).Single().SessionId;
            }

            var grain = first.Grains.GetGrain<OrleansGate.Grains.Sessions.ISessionGrain>(sessionId);
            var host = await first.Grains.GetGrain<IManagementGrain>(0).GetActivationAddress(grain);
            var (holder, survivor) = host == first.Address ? (first, second) : (second, first);
            await holder.StopAsync();

            // The same connection goes on; while the cluster notices, a statement may be refused
            // (never forwarded undecided), after which the grain resumes on the survivor.
            var refusals = 0;
            while (true)
            {
                try
                {
                    Assert.Equal(2, await connection.ScalarIntAsync("SELECT 2"));
                    break;
                }
                catch (PostgresException e) when (e.SqlState == "55000" && ++refusals < 10)
                {
                    await Task.Delay(500);
                }
            }

            var events = await survivor.Services.GetRequiredService<IAuditLog>().ReadStreamAsync(sessionId);
            var sequences = events.OfType<StatementDecided>().Select(e => e.Sequence).ToList();
            Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (long)i), sequences);
            Assert.Equal("SELECT 2", events.OfType<StatementDecided>().Last().Sql);
            Assert.Single(events.OfType<SessionStarted>());
        }
        finally
        {
            Stop(proxy);
        }
    }


    [Fact]
    public async Task Without_a_silo_the_proxy_never_listens_and_gives_up_after_its_connect_timeout()
    {
        // The schema exists (a silo ran once and stopped), but no silo of the cluster is alive.
        var silo = await StartSiloAsync();
        await silo.StopAsync();

        using var proxy = StartProxy(connectTimeout: "00:00:03");
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var stdout = proxy.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = proxy.StandardError.ReadToEndAsync(timeout.Token);
            await proxy.WaitForExitAsync(timeout.Token);

            Assert.Equal(1, proxy.ExitCode);
            Assert.DoesNotMatch(Listening(), await stdout);
            Assert.Contains("cluster error: OrleansGate:Cluster: could not join the cluster", await stderr, StringComparison.Ordinal);
        }
        finally
        {
            Stop(proxy);
        }
    }

    private Process StartProxy(string connectTimeout)
    {
        var configuration = ClusterConfiguration();
        configuration.Section("Cluster")["ConnectTimeout"] = connectTimeout;
        configuration.Section("Proxy")["Listen"] = "127.0.0.1:0";
        // A file per proxy: a test that starts two would otherwise rewrite the file while the first still reads it.
        var configFile = Path.Combine(_work.FullName, $"proxy-{Guid.NewGuid():N}.json");
        File.WriteAllText(configFile, configuration.ToJson());
        return Process.Start(GatewayProcess.StartInfo("OrleansGate.Proxy", ["--config", configFile]))!;
    }

    private static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
    }

    private static async Task<int> ReadListeningPortAsync(Process process)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            var match = Listening().Match(line);
            if (match.Success)
            {
                _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("The proxy ended without listening: " + await process.StandardError.ReadToEndAsync());
    }

    [GeneratedRegex(@"listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex Listening();

    public void Dispose() => _work.Delete(recursive: true);
}
