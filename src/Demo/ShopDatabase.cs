using Npgsql;

namespace OrleansGate.Demo;

/// <summary>
/// The demo's sample target: a shop with customers (names, emails, US SSNs, card numbers,
/// phone numbers) and their orders. The values are generated, plausible and fake; card numbers
/// pass the Luhn check so content detectors see them as real.
/// </summary>
public static class ShopDatabase
{
    public const string Schema = """
        CREATE TABLE customers (
            id           integer PRIMARY KEY,
            full_name    text NOT NULL,
            email        text NOT NULL,
            ssn          text NOT NULL,
            card_number  text NOT NULL,
            phone        text NOT NULL,
            city         text NOT NULL,
            created_at   timestamptz NOT NULL
        );
        CREATE TABLE orders (
            id           integer PRIMARY KEY,
            customer_id  integer NOT NULL REFERENCES customers(id),
            item         text NOT NULL,
            amount       numeric(10,2) NOT NULL,
            status       text NOT NULL,
            ordered_at   timestamptz NOT NULL
        );
        CREATE INDEX orders_customer ON orders(customer_id);
        """;

    // Deterministic pseudo-random data from generate_series, so every demo shows the same rows.
    private const string Seed = """
        CREATE FUNCTION luhn_complete(partial text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
          SELECT partial || ((10 - (sum(d) % 10)) % 10)::text
          FROM (
            SELECT CASE WHEN i % 2 = 1 THEN CASE WHEN 2 * digit > 9 THEN 2 * digit - 9 ELSE 2 * digit END ELSE digit END AS d
            FROM (SELECT substr(reverse(partial), i, 1)::int AS digit, i FROM generate_series(1, length(partial)) AS i) AS digits
          ) AS doubled
        $$;
        INSERT INTO customers
        SELECT n,
               (ARRAY['Ada','Grace','Alan','Edsger','Barbara','Donald','Margaret','Ken','Radia','Leslie','Frances','John'])[1 + n % 12]
                 || ' ' ||
               (ARRAY['Lovelace','Hopper','Turing','Dijkstra','Liskov','Knuth','Hamilton','Thompson','Perlman','Lamport','Allen','Backus'])[1 + (n * 7) % 12],
               lower((ARRAY['ada','grace','alan','edsger','barbara','donald','margaret','ken','radia','leslie','frances','john'])[1 + n % 12])
                 || '.' || n || '@' || (ARRAY['example.com','mail.test','corp.example'])[1 + n % 3],
               lpad((100 + (n * 37) % 800)::text, 3, '0') || '-' || lpad((10 + (n * 13) % 89)::text, 2, '0') || '-' || lpad((1000 + (n * 7919) % 8999)::text, 4, '0'),
               luhn_complete('4' || (10000000000000 + (n::bigint * 982451653) % 89999999999999)::text),
               '+1-555-' || lpad(((n * 4099) % 10000)::text, 4, '0'),
               (ARRAY['Boston','Denver','Austin','Seattle','Chicago','Portland'])[1 + n % 6],
               timestamptz '2024-01-01 00:00:00+00' + (n || ' hours')::interval
        FROM generate_series(1, 1000) AS n;
        INSERT INTO orders
        SELECT n,
               1 + (n * 31) % 1000,
               (ARRAY['keyboard','monitor','laptop','headset','dock','mouse','chair','lamp'])[1 + n % 8],
               round((5 + (n * 7.31) % 995)::numeric, 2),
               (ARRAY['paid','shipped','delivered','refunded'])[1 + n % 4],
               timestamptz '2024-02-01 00:00:00+00' + (n * 17 || ' minutes')::interval
        FROM generate_series(1, 5000) AS n;
        DROP FUNCTION luhn_complete(text);
        ANALYZE customers;
        ANALYZE orders;
        """;

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
        await ExecuteAsync(shop, Schema, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(shop, Seed, cancellationToken).ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
