using Npgsql;
using NpgsqlTypes;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Clients;

/// <summary>Npgsql (extended protocol, binary results) through the gateway gives what a direct connection gives.</summary>
public sealed class NpgsqlRelayTests(PostgresFixture postgres) : GatewayTestBase(postgres)
{
    private const string AllTypes = """
        SELECT 42::int4 AS i4, 9000000000::int8 AS i8, 3.25::float8 AS f8, 12345.678::numeric AS num,
               'héllo wörld'::text AS txt, NULL::text AS nothing, true AS flag,
               '2024-05-06 07:08:09.123456+00'::timestamptz AS ts, '2024-05-06'::date AS day,
               '\xdeadbeef'::bytea AS bin, '{"a": [1, 2, {"b": null}]}'::jsonb AS doc,
               ARRAY['x', NULL, 'z']::text[] AS arr, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS id,
               '1 day 02:03:04'::interval AS span, '192.168.0.1/24'::inet AS addr
        """;

    protected override string SetUpDatabaseSql => """
        CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2), tags text[], data bytea);
        INSERT INTO items SELECT n, 'item ' || n, n * 1.5, ARRAY['t' || n % 3], decode(md5(n::text), 'hex')
        FROM generate_series(1, 1000) AS n;
        CREATE TABLE copy_target (id int, name text, data bytea);
        CREATE FUNCTION say(n int) RETURNS void LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'notice from the server %', n; END $$;
        """;

    [Fact]
    public async Task A_row_of_every_common_type_reads_the_same_as_directly()
    {
        var viaGateway = await ReadRowsAsync(ViaGateway(), AllTypes);
        var direct = await ReadRowsAsync(Direct, AllTypes);

        Assert.Single(viaGateway);
        Assert.Equal(direct, viaGateway);
        Assert.Equal("héllo wörld", viaGateway[0][4]);
        Assert.Equal(DBNull.Value, viaGateway[0][5]);
    }

    [Fact]
    public async Task Parameters_of_several_types_are_bound_and_results_match()
    {
        const string sql = "SELECT id, name, price, tags, data FROM items WHERE id BETWEEN @low AND @high AND name LIKE @pattern ORDER BY id";
        async Task<List<object[]>> RunAsync(string connectionString)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("low", 10);
            command.Parameters.AddWithValue("high", 500);
            command.Parameters.AddWithValue("pattern", NpgsqlDbType.Text, "item 1%");
            return await ReadAllAsync(command);
        }

        var viaGateway = await RunAsync(ViaGateway());
        Assert.Equal(await RunAsync(Direct), viaGateway);
        Assert.Equal(110, viaGateway.Count); // 10..19 and 100..199
    }

    [Fact]
    public async Task A_pipelined_batch_returns_every_result_in_order()
    {
        async Task<List<List<object[]>>> RunAsync(string connectionString)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand("SELECT count(*) FROM items"),
                    new NpgsqlBatchCommand("SELECT name FROM items WHERE id = $1") { Parameters = { new() { Value = 7 } } },
                    new NpgsqlBatchCommand("SELECT id FROM items ORDER BY id DESC LIMIT 3"),
                    new NpgsqlBatchCommand("SELECT $1::text || $2::text") { Parameters = { new() { Value = "a" }, new() { Value = "b" } } },
                },
            };
            var results = new List<List<object[]>>();
            await using var reader = await batch.ExecuteReaderAsync();
            do
            {
                var rows = new List<object[]>();
                while (await reader.ReadAsync())
                {
                    var row = new object[reader.FieldCount];
                    reader.GetValues(row);
                    rows.Add(row);
                }

                results.Add(rows);
            }
            while (await reader.NextResultAsync());
            return results;
        }

        var viaGateway = await RunAsync(ViaGateway());
        Assert.Equal(await RunAsync(Direct), viaGateway);
        Assert.Equal(4, viaGateway.Count);
        Assert.Equal("item 7", viaGateway[1][0][0]);
        Assert.Equal("ab", viaGateway[3][0][0]);
    }

    [Fact]
    public async Task Prepared_statements_run_many_times_with_new_parameters()
    {
        await using var connection = await OpenViaGatewayAsync();
        await using var command = new NpgsqlCommand("SELECT name, price FROM items WHERE id = @id", connection);
        var id = command.Parameters.Add("id", NpgsqlDbType.Integer);
        await command.PrepareAsync();
        Assert.True(command.IsPrepared);
        for (var i = 1; i <= 200; i++)
        {
            id.Value = i;
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal($"item {i}", reader.GetString(0));
            Assert.Equal(i * 1.5m, reader.GetDecimal(1));
        }

        await command.UnprepareAsync();
        id.Value = 3;
        Assert.Equal("item 3", (await ReadAllAsync(command))[0][0]);
    }

    [Fact]
    public async Task Automatically_prepared_statements_survive_many_executions()
    {
        await using var connection = await OpenViaGatewayAsync(b =>
        {
            b.MaxAutoPrepare = 5;
            b.AutoPrepareMinUsages = 2;
        });
        for (var i = 0; i < 50; i++)
        {
            await using var command = new NpgsqlCommand("SELECT sum(price) FROM items WHERE id <= $1", connection)
            {
                Parameters = { new() { Value = i + 1 } },
            };
            var sum = (decimal)(await command.ExecuteScalarAsync())!;
            Assert.Equal(1.5m * (i + 1) * (i + 2) / 2, sum);
        }
    }

    [Fact]
    public async Task A_rolled_back_transaction_leaves_nothing_and_a_committed_one_stays()
    {
        await using var connection = await OpenViaGatewayAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await Execute(connection, "INSERT INTO items (id, name) VALUES (5001, 'rolled back')", transaction);
            await transaction.SaveAsync("before_second");
            await Execute(connection, "INSERT INTO items (id, name) VALUES (5002, 'to savepoint')", transaction);
            await transaction.RollbackAsync("before_second");
            Assert.Equal(1L, await Scalar(connection, "SELECT count(*) FROM items WHERE id > 5000", transaction));
            await transaction.RollbackAsync();
        }

        Assert.Equal(0L, await Scalar(connection, "SELECT count(*) FROM items WHERE id > 5000"));
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await Execute(connection, "INSERT INTO items (id, name) VALUES (5003, 'committed')", transaction);
            await transaction.CommitAsync();
        }

        await using var direct = await OpenDirectAsync();
        Assert.Equal(1L, await Scalar(direct, "SELECT count(*) FROM items WHERE id > 5000"));
        await Execute(direct, "DELETE FROM items WHERE id > 5000");
    }

    [Fact]
    public async Task A_server_error_arrives_unchanged_and_the_session_goes_on()
    {
        async Task<PostgresException> FailAsync(string connectionString)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            var error = await Assert.ThrowsAsync<PostgresException>(() => Scalar(connection, "SELECT 1 / (id - id) FROM items LIMIT 1"));
            Assert.Equal(1, await Scalar(connection, "SELECT 1"));
            return error;
        }

        var viaGateway = await FailAsync(ViaGateway());
        var direct = await FailAsync(Direct);
        Assert.Equal("22012", viaGateway.SqlState);
        Assert.Equal((direct.Severity, direct.MessageText, direct.File, direct.Routine),
            (viaGateway.Severity, viaGateway.MessageText, viaGateway.File, viaGateway.Routine));
    }

    [Fact]
    public async Task An_error_inside_a_transaction_aborts_it_until_rollback()
    {
        await using var connection = await OpenViaGatewayAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await Assert.ThrowsAsync<PostgresException>(() => Scalar(connection, "SELECT no_such_column FROM items", transaction));
        var aborted = await Assert.ThrowsAsync<PostgresException>(() => Scalar(connection, "SELECT 1", transaction));
        Assert.Equal("25P02", aborted.SqlState);
        await transaction.RollbackAsync();
        Assert.Equal(1, await Scalar(connection, "SELECT 1"));
    }

    [Fact]
    public async Task Notices_and_notifications_reach_the_client()
    {
        await using var listener = await OpenViaGatewayAsync();
        var notifications = new List<NpgsqlNotificationEventArgs>();
        listener.Notification += (_, e) => notifications.Add(e);
        await Execute(listener, "LISTEN gateway_channel");

        await using var sender = await OpenViaGatewayAsync();
        var notices = new List<PostgresNotice>();
        sender.Notice += (_, e) => notices.Add(e.Notice);
        await Execute(sender, "SELECT say(7)");
        await Execute(sender, "NOTIFY gateway_channel, 'the payload'");

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (notifications.Count == 0)
        {
            await listener.WaitAsync(wait.Token);
        }

        var notice = Assert.Single(notices);
        Assert.Equal("notice from the server 7", notice.MessageText);
        Assert.Equal("the payload", notifications[0].Payload);
        Assert.Equal("gateway_channel", notifications[0].Channel);
    }

    [Fact]
    public async Task The_client_sees_its_own_identity_as_session_authorization()
    {
        await using var connection = await OpenViaGatewayAsync();
        Assert.Equal("alice", connection.PostgresParameters["session_authorization"]);
        Assert.True(connection.PostgresParameters.ContainsKey("server_version"));
        Assert.Equal("UTF8", connection.PostgresParameters["client_encoding"]);
        Assert.True(connection.ProcessID > 0);
    }

    [Fact]
    public async Task A_large_result_streams_through_complete()
    {
        const string sql = "SELECT n, md5(n::text) FROM generate_series(1, 300000) AS n";
        await using var connection = await OpenViaGatewayAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        long count = 0, sum = 0;
        while (await reader.ReadAsync())
        {
            count++;
            sum += reader.GetInt32(0);
            Assert.Equal(32, reader.GetString(1).Length);
        }

        Assert.Equal(300000, count);
        Assert.Equal(300000L * 300001 / 2, sum);
    }

    [Fact]
    public async Task Binary_copy_round_trips_through_the_gateway()
    {
        await using var connection = await OpenViaGatewayAsync();
        var rows = Enumerable.Range(1, 5000).Select(i => (i, $"row {i}", BitConverter.GetBytes(i * 31))).ToList();
        await using (var importer = await connection.BeginBinaryImportAsync("COPY copy_target (id, name, data) FROM STDIN (FORMAT binary)"))
        {
            foreach (var (id, name, data) in rows)
            {
                await importer.StartRowAsync();
                await importer.WriteAsync(id);
                await importer.WriteAsync(name);
                await importer.WriteAsync(data);
            }

            Assert.Equal(5000UL, await importer.CompleteAsync());
        }

        var exported = new List<(int, string, byte[])>();
        await using (var exporter = await connection.BeginBinaryExportAsync("COPY (SELECT id, name, data FROM copy_target ORDER BY id) TO STDOUT (FORMAT binary)"))
        {
            while (await exporter.StartRowAsync() != -1)
            {
                exported.Add((await exporter.ReadAsync<int>(), await exporter.ReadAsync<string>(), await exporter.ReadAsync<byte[]>()));
            }
        }

        Assert.Equal(rows.Count, exported.Count);
        Assert.All(rows.Zip(exported), pair =>
        {
            Assert.Equal(pair.First.Item1, pair.Second.Item1);
            Assert.Equal(pair.First.Item2, pair.Second.Item2);
            Assert.Equal(pair.First.Item3, pair.Second.Item3);
        });
    }

    private static async Task<List<object[]>> ReadRowsAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await ReadAllAsync(command);
    }

    private static async Task<List<object[]>> ReadAllAsync(NpgsqlCommand command)
    {
        var rows = new List<object[]>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add(row);
        }

        return rows;
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> Scalar(NpgsqlConnection connection, string sql, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        return await command.ExecuteScalarAsync();
    }
}
