using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Masking;

/// <summary>What a client sees of masked columns through the gateway, with each strategy.</summary>
[Collection(PostgresCollection.Name)]
public sealed class MaskedResultsTests(PostgresFixture postgres) : MaskingTestBase(postgres)
{
    [Fact]
    public async Task Masked_columns_are_masked_and_the_others_are_not()
    {
        var rows = await RowsAsync("SELECT id, name, ssn, email, card_number, balance FROM customers ORDER BY id");

        Assert.Equal(["1", "Ann", "****", "****@example.com", "************1111", "10.5"], rows[0]);
        Assert.Equal(["3", "Cy", "****", "****@example.net", "***********0009", "NULL"], rows[2]);
    }
}
