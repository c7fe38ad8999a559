using OrleansGate.Demo.Provisioning;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Masking;

/// <summary>
/// pgJDBC reuses named statements without describing them again and reads portals in chunks: the
/// gateway must still know every portal's columns (it describes them itself) and mask them.
/// </summary>
[Collection(SecondPostgresCollection.Name)]
public sealed class DriverMaskingTests(PostgresFixture postgres) : MaskingTestBase(postgres)
{
    private static readonly string Clients = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../clients"));

    [Fact]
    public async Task PgJdbc_reusing_statements_and_fetching_in_chunks_never_sees_a_secret()
    {
        ProcessResult result = await ClientTools.RunAsync("java",
            ["-cp", "/usr/share/java/postgresql.jar", Path.Combine(Clients, "java/MaskCheck.java"),
                $"jdbc:postgresql://127.0.0.1:{Gateway.Port}/main?sslmode=disable", "alice", GatewayConfig.AlicePassword],
            Clients, TimeSpan.FromMinutes(2));

        Assert.True(result.ExitCode == 0, result.Output);
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(9, lines.Count(l => l.StartsWith("prepared\t", StringComparison.Ordinal)));
        Assert.Equal(3, lines.Count(l => l.StartsWith("fetched\t", StringComparison.Ordinal)));
        Assert.Contains("prepared\tBob\t****\t****@example.org\t************0004", lines);
        Assert.All(lines.Where(l => l.StartsWith("fetched\t", StringComparison.Ordinal)), l => Assert.Equal(["****", "****"], l.Split('\t')[2..]));
        foreach (var secret in Secrets)
        {
            Assert.DoesNotContain(secret, result.StandardOutput, StringComparison.Ordinal);
        }
    }
}
