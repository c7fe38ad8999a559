using System.Globalization;
using Npgsql;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Masking;

/// <summary>
/// What masking must not touch: statements over unmasked columns of a table with masked ones,
/// and over other tables, get through the gateway exactly what a direct connection gets — the
/// same protocol messages byte for byte, the same psql text, the same Npgsql values and types.
/// </summary>
[Collection(SecondPostgresCollection.Name)]
public sealed class LegitimateCorpusTests(PostgresFixture postgres) : MaskingTestBase(postgres)
{
    private static readonly string[] Queries =
    [
        "SELECT c.id, c.name, o.total, o.note FROM customers c JOIN orders o ON o.customer_id = c.id ORDER BY o.id",
        "SELECT c.name, count(o.id), sum(o.total), avg(o.total) FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.name ORDER BY c.name",
        "SELECT id, name, balance FROM customers ORDER BY balance DESC NULLS LAST LIMIT 2",
        "SELECT name, balance * 2, upper(name), balance::text, length(name) FROM customers ORDER BY id OFFSET 1",
        "SELECT * FROM orders ORDER BY id",
        "SELECT id, name FROM customers WHERE id IN (SELECT customer_id FROM orders) ORDER BY id",
        "WITH t AS (SELECT customer_id, sum(total) AS s FROM orders GROUP BY 1) SELECT c.name, t.s FROM customers c JOIN t ON t.customer_id = c.id ORDER BY 1",
        "SELECT name, row_number() OVER (ORDER BY balance), lag(name) OVER (ORDER BY id) FROM customers ORDER BY id",
        "SELECT json_build_object('n', name, 'b', balance), ARRAY[id, id * 2] FROM customers ORDER BY id",
        "SELECT count(*), max(balance), string_agg(name, ',' ORDER BY id) FROM customers",
        "SELECT name FROM customers UNION ALL SELECT note FROM orders ORDER BY 1",
        // Through alias lists, join aliases, subqueries, whole rows and functional notation, over unmasked columns.
        "SELECT a, b, upper(b), length(b) FROM customers AS x(a, b) ORDER BY a",
        "SELECT j.name, j.total, j.note FROM (customers c JOIN orders o ON o.customer_id = c.id) AS j ORDER BY j.total",
        "SELECT o.quote_literal, row_to_json(o), o.to_jsonb FROM orders o ORDER BY o.id",
        "SELECT s.n, s.upper FROM (SELECT name AS n, upper(name) FROM customers) s ORDER BY 1",
        "WITH t(a, b) AS (SELECT id, name FROM customers) SELECT b, a * 2, b || '!' FROM t ORDER BY a",
        "SELECT (w.c).name, (w.c).id FROM (SELECT c FROM customers c) w ORDER BY 2",
        "SELECT u.id, c1.name, o.total FROM customers c1 JOIN customers c2 USING (id) AS u JOIN orders o ON o.customer_id = u.id ORDER BY o.id",
        "SELECT name FROM customers UNION SELECT note FROM orders ORDER BY 1",
        "SELECT 1::int2, 2::int8, 1.5::float8, '2024-01-02'::date, '\\x0102'::bytea, ARRAY[1, 2], '{\"a\": 1}'::jsonb, true, NULL::text",
    ];

    private const string Writes =
        "BEGIN; INSERT INTO orders VALUES (10, 3, 1.5, 'legit') RETURNING *; UPDATE orders SET note = 'changed' WHERE id = 10 RETURNING id, note; " +
        "DELETE FROM orders WHERE id = 10 RETURNING total; ROLLBACK";

    private const string WithParameters =
        "SELECT c.name, o.total, o.note FROM customers c JOIN orders o ON o.customer_id = c.id WHERE o.total > $1 AND c.id = $2 ORDER BY o.id";

    [Fact]
    public async Task Simple_and_extended_protocol_replies_are_byte_identical()
    {
        await using var viaGateway = await RawClient.ConnectAsync(Gateway.Port);
        await viaGateway.LoginAsync("alice", GatewayConfig.AlicePassword, "main");
        await using var direct = await RawClient.ConnectAsync(Postgres.Server.Port);
        await direct.LoginAsync(PostgresFixture.ScramUser, Postgres.UpstreamPassword, Database);

        foreach (var sql in Queries.Append(Writes))
        {
            await AssertSameRepliesAsync(sql, viaGateway, direct, c => c.QueryAsync(sql));
        }

        foreach (var sql in Queries)
        {
            // Text results, then binary results (format code 1 for every column).
            await AssertSameRepliesAsync(sql + " [extended, text]", viaGateway, direct, c => c.SendAsync(b => Extended(b, sql, [], binary: false)));
            await AssertSameRepliesAsync(sql + " [extended, binary]", viaGateway, direct, c => c.SendAsync(b => Extended(b, sql, [], binary: true)));
        }

        await AssertSameRepliesAsync("parameters", viaGateway, direct, c => c.SendAsync(b => Extended(b, WithParameters, ["1", "1"], binary: true)));
        await AssertSameRepliesAsync("parameters, text", viaGateway, direct, c => c.SendAsync(b => Extended(b, WithParameters, ["5", "1"], binary: false)));
    }

    [Fact]
    public async Task Psql_prints_the_same_text()
    {
        var gateway = Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main");
        var direct = $"host={Postgres.Server.Host} port={Postgres.Server.Port} dbname={Database} user={PostgresFixture.ScramUser} " +
                     $"password={Postgres.UpstreamPassword} sslmode=disable";
        string[] arguments = [.. Queries.Append(Writes).SelectMany(q => new[] { "-c", q })];

        var viaGateway = await ClientTools.PsqlAsync(gateway, arguments);
        var viaDirect = await ClientTools.PsqlAsync(direct, arguments);

        Assert.Equal(0, viaDirect.ExitCode);
        Assert.Contains("legit", viaDirect.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(viaDirect.StandardOutput, viaGateway.StandardOutput);
        Assert.Equal(viaDirect.ExitCode, viaGateway.ExitCode);
    }

    [Fact]
    public async Task Npgsql_reads_the_same_values_with_the_same_types_prepared_or_not_with_parameters()
    {
        await using var viaGateway = await OpenViaGatewayAsync();
        await using var direct = await OpenDirectAsync();
        foreach (var sql in Queries)
        {
            foreach (var prepare in new[] { false, true })
            {
                var expected = await ValuesAsync(direct, sql, prepare, []);
                Assert.NotEmpty(expected);
                Assert.Equal(expected, await ValuesAsync(viaGateway, sql, prepare, []));
            }
        }

        var npgsqlParameters = WithParameters.Replace("$1", "@total").Replace("$2", "@id");
        (string, object)[] parameters = [("total", 1m), ("id", 1)];
        Assert.Equal(await ValuesAsync(direct, npgsqlParameters, true, parameters), await ValuesAsync(viaGateway, npgsqlParameters, true, parameters));
        Assert.Equal(2, (await ValuesAsync(viaGateway, npgsqlParameters, false, parameters)).Count);
    }

    [Fact]
    public async Task Writes_to_unmasked_tables_go_through()
    {
        await using (var viaGateway = await OpenViaGatewayAsync())
        {
            await using var insert = new NpgsqlCommand("INSERT INTO orders (id, customer_id, total, note) VALUES (@id, 2, 7.25, @note)", viaGateway);
            insert.Parameters.AddWithValue("id", 20);
            insert.Parameters.AddWithValue("note", "via gateway");
            Assert.Equal(1, await insert.ExecuteNonQueryAsync());
            await using var update = new NpgsqlCommand("UPDATE orders SET total = total + 1 WHERE id = 20", viaGateway);
            Assert.Equal(1, await update.ExecuteNonQueryAsync());
        }

        await using var direct = await OpenDirectAsync();
        Assert.Equal([["20", "2", "8.25", "via gateway"]], await RowsAsync(direct, "SELECT id, customer_id, total, note FROM orders WHERE id = 20"));
        await PostgresFixture.ExecuteAsync(direct, "DELETE FROM orders WHERE id = 20");
    }

    private static async Task AssertSameRepliesAsync(string what, RawClient viaGateway, RawClient direct, Func<RawClient, Task> send)
    {
        await send(direct);
        var expected = await direct.ReadUntilReadyAsync();
        await send(viaGateway);
        var actual = await viaGateway.ReadUntilReadyAsync();

        Assert.True(expected.Exists(m => m.Type == 'D'), $"{what}: no rows directly");
        Assert.DoesNotContain(expected, m => m.Type == 'E');
        Assert.True(expected.Select(m => (m.Type, Convert.ToHexString(m.Payload))).SequenceEqual(actual.Select(m => (m.Type, Convert.ToHexString(m.Payload)))),
            $"{what}: the gateway's replies differ from the server's:\n" +
            string.Join(" ", actual.Select(m => m.Type)) + "\n" + string.Join(" ", expected.Select(m => m.Type)));
    }

    // Parse, Bind (text parameters; every result column in one format), Describe the portal, Execute, Sync.
    private static void Extended(MessageBuilder b, string sql, string[] parameters, bool binary)
    {
        b.Start((byte)'P').WriteCString(string.Empty).WriteCString(sql).WriteInt16(0).Finish();
        b.Start((byte)'B').WriteCString(string.Empty).WriteCString(string.Empty).WriteInt16(0).WriteInt16((short)parameters.Length);
        foreach (var parameter in parameters)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(parameter);
            b.WriteInt32(bytes.Length).WriteBytes(bytes);
        }

        b.WriteInt16(1).WriteInt16(binary ? (short)1 : (short)0).Finish();
        b.Start((byte)'D').WriteByte((byte)'P').WriteCString(string.Empty).Finish();
        b.Start((byte)'E').WriteCString(string.Empty).WriteInt32(0).Finish();
        b.Start((byte)'S').Finish();
    }

    private static async Task<List<string>> ValuesAsync(NpgsqlConnection connection, string sql, bool prepare, (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        if (prepare)
        {
            await command.PrepareAsync();
        }

        var values = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add(string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i =>
            {
                var value = reader.GetValue(i);
                var text = value switch
                {
                    Array array => string.Join(",", array.Cast<object>().Select(e => Convert.ToString(e, CultureInfo.InvariantCulture))),
                    _ => Convert.ToString(value, CultureInfo.InvariantCulture),
                };
                return $"{reader.GetDataTypeName(i)}:{value.GetType().Name}:{text}";
            })));
        }

        return values;
    }
}
