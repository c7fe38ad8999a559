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
    [Fact]
    public async Task PgJdbc_reusing_statements_and_fetching_in_chunks_never_sees_a_secret()
    {
        var result = await RunJdbcClientAsync("MaskCheck.java");

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
