using OrleansGate.Demo.Provisioning;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Clients;

/// <summary>
/// psycopg2, pgJDBC and node-postgres each run a fixed workload (tests/clients/) once directly and
/// once through the gateway; what they print must be the same.
/// </summary>
// In the second collection, the shortest of the three (docs/testing.md: suite time).
[Collection(SecondPostgresCollection.Name)]
public sealed class DriverTests(PostgresFixture postgres) : GatewayTestBase(postgres)
{
    private static readonly string Clients = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../clients"));

    /// <summary>The scripts raise a notice and a warning with this; function bodies cannot be created through the gateway.</summary>
    protected override string SetUpDatabaseSql => """
        CREATE FUNCTION og_notice(msg text, warn boolean) RETURNS void LANGUAGE plpgsql
          AS $f$ BEGIN IF warn THEN RAISE WARNING '%', msg; ELSE RAISE NOTICE '%', msg; END IF; END $f$;
        """;

    [Fact]
    public async Task Psycopg2_sees_the_same_results_through_the_gateway()
    {
        var direct = await RunAsync("/usr/bin/python3", [Script("python/relay_check.py"), DirectLibpq]);
        var viaGateway = await RunAsync("/usr/bin/python3", [Script("python/relay_check.py"), GatewayLibpq]);

        Assert.Equal(direct, viaGateway);
        Assert.Contains("named_cursor_sum\t125250", viaGateway, StringComparison.Ordinal);
        Assert.Contains("copy_in\t(500, 'person 1', 500)", viaGateway, StringComparison.Ordinal);
        Assert.Contains("error\t22012", viaGateway, StringComparison.Ordinal);
        Assert.Contains("NOTICE:  hello from plpgsql", viaGateway, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PgJdbc_sees_the_same_results_through_the_gateway()
    {
        string[] Args(string url, string user, string password) =>
            ["-cp", "/usr/share/java/postgresql.jar", Script("java/RelayCheck.java"), url, user, password];
        var direct = await RunAsync("java", Args($"jdbc:postgresql://{Postgres.Server.Host}:{Postgres.Server.Port}/{Database}?sslmode=disable",
            PostgresFixture.ScramUser, Postgres.UpstreamPassword));
        var viaGateway = await RunAsync("java", Args($"jdbc:postgresql://127.0.0.1:{Gateway.Port}/main?sslmode=disable",
            "alice", GatewayConfig.AlicePassword));

        Assert.Equal(direct, viaGateway);
        Assert.Contains("batch\t1000", viaGateway, StringComparison.Ordinal);
        Assert.Contains("fetch_size_rows\t1000\t500500", viaGateway, StringComparison.Ordinal);
        Assert.Contains("error\t42P01", viaGateway, StringComparison.Ordinal);
        Assert.Contains("warning\tcareful", viaGateway, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Node_postgres_sees_the_same_results_through_the_gateway()
    {
        var direct = await RunAsync("node", [Script("node/relay_check.js"),
            $"postgresql://{PostgresFixture.ScramUser}:{Postgres.UpstreamPassword}@{Postgres.Server.Host}:{Postgres.Server.Port}/{Database}"]);
        var viaGateway = await RunAsync("node", [Script("node/relay_check.js"),
            $"postgresql://alice:{GatewayConfig.AlicePassword}@127.0.0.1:{Gateway.Port}/main"]);

        Assert.Equal(direct, viaGateway);
        Assert.Contains("after_rollback\t200", viaGateway, StringComparison.Ordinal);
        Assert.Contains("named 150\t[{\"id\":150,\"kind\":\"even\"", viaGateway, StringComparison.Ordinal);
        Assert.Contains("error\t22P02", viaGateway, StringComparison.Ordinal);
        Assert.Contains("notices\t[\"node notice\"]", viaGateway, StringComparison.Ordinal);
    }

    private string DirectLibpq => $"host={Postgres.Server.Host} port={Postgres.Server.Port} dbname={Database} " +
                                  $"user={PostgresFixture.ScramUser} password={Postgres.UpstreamPassword} sslmode=disable";

    private string GatewayLibpq => Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main");

    private static string Script(string relative) => Path.Combine(Clients, relative);

    private static async Task<string> RunAsync(string program, string[] arguments)
    {
        ProcessResult result = await ClientTools.RunAsync(program, arguments, Path.Combine(Clients, "node"), TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, $"{program} failed: {result.Output}");
        return result.StandardOutput;
    }
}
