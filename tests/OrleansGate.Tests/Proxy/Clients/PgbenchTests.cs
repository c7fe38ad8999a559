using System.Globalization;
using System.Text.RegularExpressions;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Clients;

/// <summary>pgbench's TPC-B-like workload through the gateway, in each query mode, with 8 clients.</summary>
public sealed partial class PgbenchTests(PostgresFixture postgres) : GatewayTestBase(postgres)
{
    private static readonly SemaphoreSlim Initialised = new(1, 1);
    private static string? _initialisedDatabase;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Initialised.WaitAsync();
        try
        {
            if (_initialisedDatabase != Database)
            {
                var direct = $"host={Postgres.Server.Host} port={Postgres.Server.Port} dbname={Database} " +
                             $"user={PostgresFixture.ScramUser} password={Postgres.UpstreamPassword} sslmode=disable";
                var init = await ClientTools.PgbenchAsync(direct, ["-i", "-s", "1", "-q"]);
                Assert.True(init.ExitCode == 0, init.Output);
                _initialisedDatabase = Database;
            }
        }
        finally
        {
            Initialised.Release();
        }
    }

    [Theory]
    [InlineData("simple")]
    [InlineData("extended")]
    [InlineData("prepared")]
    public async Task Eight_clients_finish_every_one_of_their_transactions(string mode)
    {
        // A count of transactions, not a duration: every one must finish, however slow the
        // machine is (speed is measured in bench/, not asserted here).
        var result = await ClientTools.PgbenchAsync(Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main"),
            ["-n", "-M", mode, "-c", "8", "-j", "2", "-t", "15"]);

        Assert.True(result.ExitCode == 0, result.Output);
        var processed = long.Parse(Processed().Match(result.StandardOutput).Groups[1].Value, CultureInfo.InvariantCulture);
        var failed = long.Parse(Failed().Match(result.StandardOutput).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal(8 * 15, processed);
        Assert.Equal(0, failed);
    }

    [GeneratedRegex(@"number of transactions actually processed: (\d+)")]
    private static partial Regex Processed();

    [GeneratedRegex(@"number of failed transactions: (\d+)")]
    private static partial Regex Failed();
}
