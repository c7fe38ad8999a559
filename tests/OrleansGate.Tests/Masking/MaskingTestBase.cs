using System.Text.Json.Nodes;
using Npgsql;
using OrleansGate.Tests.Support;

namespace OrleansGate.Tests.Masking;

/// <summary>
/// A customers table whose ssn, email and card_number are masked, seeded with known secret values
/// so a test can search every byte a client received for them.
/// </summary>
public abstract class MaskingTestBase(PostgresFixture postgres) : GatewayTestBase(postgres)
{
    /// <summary>The secret values of the masked columns (ssn, the e-mail's local part, card numbers).</summary>
    public static readonly string[] Secrets =
    [
        "123-45-6789", "987-65-4321", "555-11-2222",
        "ann.secret", "bob.hidden", "cy.private",
        "4111111111111111", "5500000000000004", "340000000000009",
    ];

    protected override string SetUpDatabaseSql => """
        CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, ssn text, email varchar(200), card_number text, balance numeric);
        INSERT INTO customers VALUES
          (1, 'Ann', '123-45-6789', 'ann.secret@example.com', '4111111111111111', 10.5),
          (2, 'Bob', '987-65-4321', 'bob.hidden@example.org', '5500000000000004', 20),
          (3, 'Cy',  '555-11-2222', 'cy.private@example.net', '340000000000009', NULL);
        CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, total numeric NOT NULL, note text);
        INSERT INTO orders VALUES (1, 1, 9.99, 'first'), (2, 1, 5, 'second'), (3, 2, 100, 'third');
        """;

    protected override void Configure(JsonObject configuration)
    {
        GatewayConfig.UseMaskingKey(configuration);
        GatewayConfig.UsePolicy(configuration, "main", PolicyJson);
    }

    // MaskedPredicates: Flag (not the default, Block) so that statements which filter on masked
    // columns run: these tests are about what results show, and the refusals of the default are
    // MaskedPredicateTests'.
    protected virtual string PolicyJson => """
        { "Name": "shop",
          "MaskedPredicates": "Flag",
          "Masks": [
            { "Column": "public.customers.ssn", "Strategy": "Redact" },
            { "Column": "public.customers.email", "Strategy": "Email" },
            { "Column": "public.customers.card_number", "Strategy": "Partial", "KeepLast": 4 }
          ],
          "Rules": [] }
        """;

    /// <summary>The rows of a query through the gateway, every value as text (null as "NULL").</summary>
    protected async Task<List<string[]>> RowsAsync(string sql, Action<NpgsqlConnectionStringBuilder>? configure = null)
    {
        await using var connection = await OpenViaGatewayAsync(configure);
        return await RowsAsync(connection, sql);
    }

    protected static async Task<List<string[]>> RowsAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string[]>();
        while (await reader.ReadAsync())
        {
            rows.Add(Enumerable.Range(0, reader.FieldCount)
                .Select(i => reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)!)
                .ToArray());
        }

        return rows;
    }
}
