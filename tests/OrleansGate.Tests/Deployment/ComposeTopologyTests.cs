using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Deployment;

/// <summary>
/// docker/compose.yaml starts a working topology as it is: two databases, two silos in cluster
/// mode, two standalone proxies and HAProxy in front of them, run here as processes (no Docker
/// engine on these machines) with exactly what compose.yaml gives each service
/// (<see cref="ComposeTopology"/>). psql through HAProxy reaches the shop, masked and policed,
/// and the sessions spread over both proxies.
/// </summary>
[Collection(ThirdPostgresCollection.Name)]
public sealed partial class ComposeTopologyTests
{
    private static string ComposePath => RepositoryFile.PathOf(Path.Combine("docker", "compose.yaml"));

    [Fact]
    public async Task The_topology_starts_as_it_is_and_psql_through_haproxy_reaches_the_shop_masked_on_both_proxies()
    {
        await using var topology = await ComposeTopology.StartAsync(ComposePath);
        var environment = topology["proxy-1"].Environment;
        var alice = environment["OrleansGate__Identities__0__Password"];
        var haproxy = topology.AddressOf("haproxy");
        var libpq = $"host={haproxy} port=6432 dbname=shop user=alice password={alice} sslmode=require connect_timeout=10";

        // HAProxy takes a proxy into rotation after its first good health check.
        var psql = await Eventually.HoldsAsync(
            () => ClientTools.PsqlAsync(libpq, ["-A", "-t", "-c", "SELECT count(*) FROM customers",
                "-c", "SELECT full_name, ssn, card_number FROM customers ORDER BY id LIMIT 3"]),
            r => r.ExitCode == 0, TimeSpan.FromSeconds(30));
        var lines = psql.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("1000", lines[0]);
        Assert.Equal(3, lines.Length - 1);
        Assert.All(lines.Skip(1), row =>
        {
            Assert.DoesNotMatch(@"\d{3}-\d{2}-\d{4}", row);  // ssn redacted
            Assert.Matches(@"\|[^|]*\d{4}$", row);           // card: its last four digits only
            Assert.DoesNotMatch(@"\d{13}", row);
        });

        var write = await ClientTools.PsqlAsync(libpq, ["-c", "DELETE FROM orders"]);
        Assert.NotEqual(0, write.ExitCode);
        Assert.Contains("analysts-read-only", write.Output, StringComparison.Ordinal);

        // Two sessions at once: HAProxy (leastconn) gives each to another proxy, and a silo lists both.
        var connection = new NpgsqlConnectionStringBuilder
        {
            Host = haproxy.ToString(), Port = 6432, Database = "shop", Username = "alice", Password = alice,
            SslMode = SslMode.Require, Pooling = false, Timeout = 15,
        }.ConnectionString;
        await using var first = new NpgsqlConnection(connection);
        await using var second = new NpgsqlConnection(connection);
        await first.OpenAsync();
        await second.OpenAsync();
        using var admin = new HttpClient { BaseAddress = new Uri($"http://{topology.AddressOf("silo-1")}:6480/") };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", environment["OrleansGate__Identities__1__ApiToken"]);
        var sessions = await Eventually.HoldsAsync(async () => JsonNode.Parse(await admin.GetStringAsync("sessions"))!.AsArray(),
            s => s.Count >= 2, TimeSpan.FromSeconds(30));
        Assert.Equal(2, sessions.Select(s => (string?)s!["proxy"]).Distinct().Count());
    }

    [Fact]
    public void The_image_is_multi_stage_non_root_with_libpg_query_and_a_health_check_and_every_secret_is_a_marked_demo_value()
    {
        var dockerfile = File.ReadAllText(RepositoryFile.PathOf(Path.Combine("docker", "Dockerfile")));
        var stages = Regex.Matches(dockerfile, @"^FROM\s", RegexOptions.Multiline).Count;
        Assert.True(stages >= 2, "a build stage and a runtime stage");
        var runtime = dockerfile[dockerfile.LastIndexOf("\nFROM ", StringComparison.Ordinal)..];
        Assert.Matches(@"(?m)^USER\s+app\s*$", runtime);
        Assert.Contains("libpg-query", runtime, StringComparison.Ordinal);
        Assert.Matches(@"(?ms)^HEALTHCHECK\s.*?/readyz", runtime);

        var services = ComposeFile.Read(ComposePath);
        Assert.All(services.Where(s => s.Dockerfile is null), s => Assert.True(s.HasHealthCheck, $"{s.Name} has no healthcheck"));
        var compose = File.ReadAllText(ComposePath);
        Assert.Contains("DEMO ONLY", compose, StringComparison.Ordinal);
        foreach (var (name, value) in services.SelectMany(s => s.Environment))
        {
            if (Regex.IsMatch(name, "Password|ApiToken|Key$") || value.Contains("Password=", StringComparison.Ordinal))
            {
                var secret = Regex.Match(value, "Password=([^;]+)") is { Success: true } inline ? inline.Groups[1].Value : value;
                var readable = secret.EndsWith('=') ? System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(secret)) : secret;
                Assert.StartsWith("demo-only-", readable, StringComparison.Ordinal);
            }
        }
    }
}
