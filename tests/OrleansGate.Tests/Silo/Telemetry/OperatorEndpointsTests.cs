using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Telemetry;

/// <summary>
/// A gateway process as an operator runs it, scraped as Prometheus would: after real traffic the
/// counters and histograms on <c>/metrics</c> moved by exactly what was done, the gauges follow open
/// sessions and held statements, and <c>/readyz</c> goes unready while the audit database is
/// unreachable and ready again after. A process of its own, so nothing else moves its meters.
/// </summary>
[Collection(ThirdPostgresCollection.Name)]
public sealed partial class OperatorEndpointsTests(PostgresFixture postgres) : IAsyncLifetime
{
    private const string BobToken = "bob-api-token-000001";

    private string _database = string.Empty;
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("og-metrics-");
    private SeverableTcpRelay _audit = null!;
    private Process _gateway = null!;
    private int _port;
    private readonly HttpClient _admin = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly HttpClient _health = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly List<NpgsqlDataSource> _sources = [];

    public async Task InitializeAsync()
    {
        _database = await postgres.DatabaseForClassAsync(GetType(), """
            CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, ssn text);
            INSERT INTO customers VALUES (1, 'Ann', '123-45-6789'), (2, 'Bob', '987-65-4321');
            """);
        _audit = new SeverableTcpRelay(postgres.Server.Port);
        var (adminPort, healthPort, deadPort) = (FreePort(), FreePort(), FreePort());
        var configuration = GatewayConfig.Standard(postgres, _database);
        configuration.Section("AuditStore")["ConnectionString"] =
            new NpgsqlConnectionStringBuilder(postgres.AuditConnectionString) { Port = _audit.Port }.ConnectionString;
        configuration.Section("Proxy")["Listen"] = "127.0.0.1:0";
        configuration.Section("Proxy")["HealthListen"] = $"127.0.0.1:{healthPort}";
        configuration.Section("Admin")["Listen"] = $"127.0.0.1:{adminPort}";
        configuration.Section("Cluster")["SiloPort"] = 0;
        var bob = ((JsonArray)configuration["OrleansGate"]!["Identities"]!).OfType<JsonObject>().Single(i => (string?)i["Name"] == "bob");
        bob["ApiToken"] = BobToken;
        var dead = GatewayConfig.Target("dead", postgres, _database, PostgresFixture.ScramUser);
        dead["Port"] = deadPort;
        configuration.Targets().Add(dead);
        GatewayConfig.UsePolicy(configuration, "main", """
            { "Name": "shop",
              "Masks": [ { "Column": "public.customers.ssn", "Strategy": "Redact" } ],
              "Rules": [ { "Name": "hold-copy-out", "Kinds": ["CopyTo"], "Action": "Hold", "ApproverGroups": ["approvers"] } ] }
            """);
        var file = Path.Combine(_work.FullName, "gateway.json");
        await File.WriteAllTextAsync(file, configuration.ToJson());
        (_gateway, _port) = await GatewayProcess.StartListeningAsync("OrleansGate.Silo", ["--config", file]);
        _admin.BaseAddress = new Uri($"http://127.0.0.1:{adminPort}/");
        _admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BobToken);
        _health.BaseAddress = new Uri($"http://127.0.0.1:{healthPort}/");
        try
        {
            // The admin API starts after the proxy's listener: wait for it to answer, and be ready.
            await Eventually.HoldsAsync(() => StatusAsync(_admin, "readyz"), status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(30));
        }
        catch
        {
            // xunit does not dispose a class whose initialisation failed: the process must not outlive it.
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>The status of a GET, or null while nothing listens there yet.</summary>
    private static async Task<HttpStatusCode?> StatusAsync(HttpClient client, string path)
    {
        try
        {
            return (await client.GetAsync(path)).StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    [Fact]
    public async Task Metrics_move_by_what_the_traffic_did()
    {
        var before = await ScrapeAsync(_admin);

        await using (var alice = await OpenAsync())
        {
            for (var i = 0; i < 3; i++)
            {
                await alice.ScalarIntAsync("SELECT 1");
            }

            await Assert.ThrowsAsync<PostgresException>(() => alice.ScalarIntAsync("SELECT pg_read_file('/etc/hostname')"));
            await using var read = new NpgsqlCommand("SELECT name, ssn FROM customers ORDER BY id", alice);
            await using (var reader = await read.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    Assert.DoesNotMatch(@"\d{3}-\d{2}-\d{4}", reader.GetString(1));
                }
            }

            var open = await ScrapeAsync(_health);
            Assert.Equal(1, open.Value("orleansgate_sessions_live"));
        }

        await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(password: "wrong"));
        var unreachable = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(database: "dead"));
        Assert.Equal("08006", unreachable.SqlState);

        var after = await Eventually.HoldsAsync(() => ScrapeAsync(_admin), m => m.Value("orleansgate_sessions_live") == 0 &&
            Delta(before, m, "orleansgate_statements_total", "decision=\"allow\"") >= 3, TimeSpan.FromSeconds(10));
        Assert.Equal(3, Delta(before, after, "orleansgate_statements_total", "decision=\"allow\""));
        Assert.Equal(1, Delta(before, after, "orleansgate_statements_total", "decision=\"block\""));
        Assert.Equal(1, Delta(before, after, "orleansgate_statements_total", "decision=\"mask\""));
        Assert.Equal(1, Delta(before, after, "orleansgate_statements_total", "rule=\"default:server-file-functions\""));
        Assert.Equal(2, Delta(before, after, "orleansgate_masked_values_total"));
        Assert.Equal(1, Delta(before, after, "orleansgate_login_failures_total", "reason=\"password\""));
        Assert.Equal(1, Delta(before, after, "orleansgate_upstream_connect_failures_total", "target=\"dead\""));
        // Every statement waited for a commit: the session's start, five decisions and its end at least.
        Assert.True(Delta(before, after, "orleansgate_audit_commit_duration_seconds_count") >= 7);
        Assert.True(Delta(before, after, "orleansgate_audit_commit_duration_seconds_sum") > 0);
        Assert.True(Delta(before, after, "orleansgate_audit_commit_batch_size_count") >= 7);
        Assert.Equal(0, after.Value("orleansgate_audit_queue_depth"));

        // The dashboard shipped in docker/ reads only metrics the gateway serves (the OIDC one needs an issuer).
        var dashboard = await File.ReadAllTextAsync(RepositoryFile.PathOf(Path.Combine("docker", "grafana-dashboard.json")));
        var served = after.Series.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var used = MetricName().Matches(dashboard).Select(m => m.Value).Distinct().ToList();
        Assert.True(used.Count >= 10, string.Join(", ", used));
        Assert.All(used.Where(n => n != "orleansgate_oidc_key_reads_total"), name => Assert.Contains(name, served));
    }

    [GeneratedRegex(@"orleansgate_[a-z_]+")]
    private static partial Regex MetricName();

    [Fact]
    public async Task Held_statements_are_counted_with_their_age_while_they_wait()
    {
        await using var alice = await OpenAsync();
        var held = Task.Run(async () =>
        {
            using var reader = await alice.BeginTextExportAsync("COPY customers TO STDOUT");
            return await reader.ReadToEndAsync();
        });

        var waiting = await Eventually.HoldsAsync(() => ScrapeAsync(_health), m => m.Value("orleansgate_approvals_held") == 1, TimeSpan.FromSeconds(15));
        await Task.Delay(1500);
        Assert.True((await ScrapeAsync(_health)).Value("orleansgate_approvals_held_oldest_age_seconds") >= 1);
        Assert.True(waiting.Value("orleansgate_statements_total", "decision=\"hold\"") >= 1);

        var pending = JsonNode.Parse(await _admin.GetStringAsync("approvals"))!.AsArray();
        var id = (string)pending.Single()!["id"]!;
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsJsonAsync($"approvals/{id}/deny", new { reason = "metrics test" })).StatusCode);
        await Assert.ThrowsAnyAsync<Exception>(() => held);

        await Eventually.HoldsAsync(() => ScrapeAsync(_health), m => m.Value("orleansgate_approvals_held") == 0 &&
            m.Value("orleansgate_approvals_held_oldest_age_seconds") == 0, TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Readyz_is_unready_while_the_audit_database_is_unreachable_and_ready_again_after()
    {
        Assert.Equal("ok", await _admin.GetStringAsync("healthz"));
        Assert.Equal("ready", await _admin.GetStringAsync("readyz"));
        Assert.Equal("ready", await _health.GetStringAsync("readyz"));

        _audit.Sever();
        try
        {
            var unready = await Eventually.HoldsAsync(() => _admin.GetAsync("readyz"), r => r.StatusCode == HttpStatusCode.ServiceUnavailable,
                TimeSpan.FromSeconds(15));
            Assert.Contains("the audit store does not answer", await unready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await _health.GetAsync("readyz")).StatusCode);
            // Alive all the same: a liveness probe must not restart a gateway whose database is down.
            Assert.Equal(HttpStatusCode.OK, (await _admin.GetAsync("healthz")).StatusCode);
        }
        finally
        {
            _audit.Restore();
        }

        await Eventually.HoldsAsync(() => StatusAsync(_admin, "readyz"), status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(30));
        await using var alice = await OpenAsync();
        Assert.Equal(1, await alice.ScalarIntAsync("SELECT 1"));
    }

    private async Task<NpgsqlConnection> OpenAsync(string password = GatewayConfig.AlicePassword, string database = "main")
    {
        var source = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = _port, Username = "alice", Password = password, Database = database,
            Pooling = false, SslMode = SslMode.Disable, GssEncryptionMode = GssEncryptionMode.Disable, Timeout = 15,
        }.ConnectionString);
        // No type loading: the only statements are the test's own, so the counts are exact.
        source.ConfigureTypeLoading(t => t.EnableTypeLoading(false));
        var dataSource = source.Build();
        _sources.Add(dataSource);
        return await dataSource.OpenConnectionAsync();
    }


    /// <summary>One scrape of /metrics: each series (name and labels as written) with its value.</summary>
    private sealed record Scrape(IReadOnlyList<(string Name, string Labels, double Value)> Series)
    {
        /// <summary>The sum of the series named <paramref name="name"/> whose labels contain <paramref name="label"/>.</summary>
        public double Value(string name, string? label = null) =>
            Series.Where(s => s.Name == name && (label is null || s.Labels.Contains(label, StringComparison.Ordinal))).Sum(s => s.Value);
    }

    private static double Delta(Scrape before, Scrape after, string name, string? label = null) => after.Value(name, label) - before.Value(name, label);

    private static async Task<Scrape> ScrapeAsync(HttpClient client)
    {
        var text = await client.GetStringAsync("metrics");
        return new Scrape(text.Split('\n').Select(line => SeriesLine().Match(line)).Where(m => m.Success)
            .Select(m => (m.Groups["name"].Value, m.Groups["labels"].Value, double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)))
            .ToList());
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?<labels>[^}]*)\})? (?<value>[-+0-9.eE]+|NaN)")]
    private static partial Regex SeriesLine();

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async Task DisposeAsync()
    {
        if (_gateway is { HasExited: false })
        {
            _gateway.Kill(entireProcessTree: true);
            await _gateway.WaitForExitAsync();
        }

        _gateway?.Dispose();
        foreach (var source in _sources)
        {
            await source.DisposeAsync();
        }

        await _audit.DisposeAsync();
        _admin.Dispose();
        _health.Dispose();
        _work.Delete(recursive: true);
    }
}
