using Npgsql;

namespace OrleansGate.Demo;

/// <summary>
/// The demo's sample target: a shop with customers (names, emails, US SSNs, card numbers,
/// phone numbers) and their orders (<see cref="TablesAndRows"/>).
/// </summary>
public static class ShopDatabase
{
    /// <summary>The tables and rows, from docker/postgres/shop-db/shop-tables.psql (embedded): one source for the demo and the compose topology.</summary>
    public static string TablesAndRows { get; } = ReadEmbedded("shop-tables.psql");

    private static string ReadEmbedded(string name)
    {
        using var stream = typeof(ShopDatabase).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"the demo was built without its embedded {name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Creates the owner role and the database (dropping an older one), then the tables and rows.</summary>
    public static async Task CreateAsync(string adminConnectionString, string database, string owner, string ownerPassword,
        CancellationToken cancellationToken = default)
    {
        await using (var admin = new NpgsqlConnection(adminConnectionString))
        {
            await admin.OpenAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {Quote(database)} WITH (FORCE)", cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(admin, $"""
                DO $$ BEGIN
                  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {Literal(owner)}) THEN
                    CREATE ROLE {Quote(owner)} LOGIN;
                  END IF;
                END $$;
                """, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(admin, $"ALTER ROLE {Quote(owner)} LOGIN PASSWORD {Literal(ownerPassword)}", cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(admin, $"CREATE DATABASE {Quote(database)} OWNER {Quote(owner)}", cancellationToken).ConfigureAwait(false);
        }

        var builder = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = database, Username = owner, Password = ownerPassword };
        await using var shop = new NpgsqlConnection(builder.ConnectionString);
        await shop.OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(shop, TablesAndRows, cancellationToken).ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
