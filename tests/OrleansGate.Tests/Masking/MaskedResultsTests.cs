using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Masking;

/// <summary>What a client sees of masked columns through the gateway, with each strategy.</summary>
[Collection(SecondPostgresCollection.Name)]
public sealed class MaskedResultsTests(PostgresFixture postgres) : MaskingTestBase(postgres)
{
    [Fact]
    public async Task Masked_columns_are_masked_and_the_others_are_not()
    {
        var rows = await RowsAsync("SELECT id, name, ssn, email, card_number, balance FROM customers ORDER BY id");

        Assert.Equal(["1", "Ann", "****", "****@example.com", "************1111", "10.5"], rows[0]);
        Assert.Equal(["3", "Cy", "****", "****@example.net", "***********0009", "NULL"], rows[2]);
    }

    [Fact]
    public async Task A_large_result_is_masked_row_by_row_including_rows_split_across_reads()
    {
        // 20,000 rows: many straddle the relay's 32 KiB reads. The computed padding reads no masked
        // column, so it is proven clean and comes as it is, like the plain name column.
        var rows = await RowsAsync("""
            SELECT n, name, repeat('x', 250) || n AS padding, ssn, card_number
            FROM customers, generate_series(1, 20000 / 3 + 1) AS n ORDER BY n, id
            """);

        Assert.True(rows.Count >= 20000);
        Assert.Equal(rows.Count / 3, rows.Count(r => r[1] == "Bob"));
        Assert.All(rows, r => Assert.Equal(new string('x', 250) + r[0], r[2]));
        Assert.All(rows, r => Assert.Equal("****", r[3]));
        Assert.All(rows, r => Assert.StartsWith("***********", r[4], StringComparison.Ordinal));
    }
}
