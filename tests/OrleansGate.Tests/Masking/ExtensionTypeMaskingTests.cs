using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Masking;

/// <summary>
/// citext (an extension type) and domains over text have no fixed OID; the catalog finds theirs,
/// so their values are masked as text — in text and binary format — rather than nulled.
/// </summary>
[Collection(SecondPostgresCollection.Name)]
public sealed class ExtensionTypeMaskingTests(PostgresFixture postgres) : MaskingTestBase(postgres)
{
    protected override string SetUpDatabaseSql => base.SetUpDatabaseSql + """

        CREATE EXTENSION citext;
        CREATE DOMAIN tax_id AS varchar(20);
        CREATE TABLE people (id int PRIMARY KEY, login citext, tax tax_id);
        INSERT INTO people VALUES (1, 'Ann.Secret', 'TX-9911-22');
        """;

    protected override string PolicyJson => """
        { "Name": "shop",
          "Masks": [
            { "Column": "public.people.login", "Strategy": "Partial", "KeepFirst": 2 },
            { "Column": "public.people.tax", "Strategy": "Redact" }
          ] }
        """;

    [Fact]
    public async Task Citext_and_a_domain_over_varchar_are_masked_as_text_in_both_formats()
    {
        await using var connection = await OpenViaGatewayAsync();

        // Npgsql reads these unknown types in text format; the cast to text makes the server send text's binary format.
        var asText = await RowsAsync(connection, "SELECT login, tax FROM people");
        await using var binary = new NpgsqlCommand("SELECT login, tax FROM people", connection);
        await using var reader = await binary.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var viaBinary = new[] { reader.GetFieldValue<string>(0), reader.GetFieldValue<string>(1) };

        Assert.Equal(["An********", "****"], asText[0]);
        Assert.Equal(["An********", "****"], viaBinary);
    }
}
