using Npgsql;
using OrleansGate.Demo.Provisioning;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Masking;

/// <summary>
/// A column computed from masked values reads as placeholders (<c>count(email)</c> is 0): the
/// client is told so with a WARNING before the rows, which psql prints, Npgsql raises as a notice
/// and pgJDBC keeps as the statement's SQLWarning. Results without such columns get none.
/// (A COPY's warning: <see cref="ApprovedMaskedCopyTests"/>, since a COPY of masked values is held.)
/// </summary>
public sealed class RedactedColumnNoticeTests(PostgresFixture postgres) : MaskingTestBase(postgres)
{
    private const string Warned = "is computed from masked columns, so the gateway replaced its values with placeholders";

    /// <summary>How many of the raw replies are the gateway's redaction warning.</summary>
    private static int Warnings(List<(char Type, byte[] Payload)> replies) =>
        replies.Count(m => m.Type == 'N' && (RawClient.Error(m).Message ?? string.Empty).Contains("computed from masked columns", StringComparison.Ordinal));

    private async Task<(List<string[]> Rows, List<PostgresNotice> Notices)> ReadWithNoticesAsync(string sql, bool prepare)
    {
        // Npgsql keeps a notice's detail only when asked to.
        await using var connection = await OpenViaGatewayAsync(b => b.IncludeErrorDetail = true);
        var notices = new List<PostgresNotice>();
        connection.Notice += (_, e) => notices.Add(e.Notice);
        await using var command = new NpgsqlCommand(sql, connection);
        if (prepare)
        {
            await command.PrepareAsync();
        }

        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string[]>();
        while (await reader.ReadAsync())
        {
            rows.Add(Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "NULL" : reader.GetValue(i).ToString()!).ToArray());
        }

        return (rows, notices);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_computed_column_comes_with_a_warning_that_names_it(bool prepare)
    {
        var (rows, notices) = await ReadWithNoticesAsync("SELECT count(email) AS emails, count(*) AS customers FROM customers", prepare);

        Assert.Equal([["0", "3"]], rows);
        var notice = Assert.Single(notices);
        Assert.Equal("WARNING", notice.InvariantSeverity);
        Assert.Equal("01000", notice.SqlState);
        Assert.Equal($"result column \"emails\" {Warned}: they are not the real results", notice.MessageText);
        Assert.Contains("numbers read as 0", notice.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_computed_columns_are_named_in_one_warning()
    {
        var (rows, notices) = await ReadWithNoticesAsync("SELECT name, upper(ssn) AS s, length(email) AS l FROM customers WHERE id = 1", prepare: false);

        Assert.Equal([["Ann", "****", "0"]], rows);
        Assert.Equal("result columns \"s\", \"l\" are computed from masked columns, so the gateway replaced their values with placeholders: they are not the real results",
            Assert.Single(notices).MessageText);
    }

    [Theory]
    [InlineData("SELECT ssn, email FROM customers")]
    [InlineData("SELECT upper(name), count(*) OVER () FROM customers")]
    [InlineData("SELECT total * 2 FROM orders")]
    public async Task Masked_columns_themselves_and_clean_computations_get_no_warning(string sql)
    {
        var (rows, notices) = await ReadWithNoticesAsync(sql, prepare: false);

        Assert.NotEmpty(rows);
        Assert.Empty(notices);
    }

    [Fact]
    public async Task Each_execution_of_a_prepared_statement_is_warned()
    {
        await using var connection = await OpenViaGatewayAsync();
        var notices = new List<PostgresNotice>();
        connection.Notice += (_, e) => notices.Add(e.Notice);
        await using var command = new NpgsqlCommand("SELECT max(ssn || 'x') FROM customers WHERE id = $1", connection);
        command.Parameters.AddWithValue(1);
        await command.PrepareAsync();

        for (var i = 1; i <= 3; i++)
        {
            command.Parameters[0].Value = i;
            Assert.Equal("****", await command.ExecuteScalarAsync());
        }

        Assert.Equal(3, notices.Count(n => n.MessageText.Contains("\"max\"", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Psql_prints_the_warning()
    {
        var connection = Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main");

        var query = await ClientTools.PsqlAsync(connection, ["-At", "-c", "SELECT id, count(card_number) FROM customers GROUP BY id ORDER BY id"]);
        Assert.True(query.ExitCode == 0, query.StandardError);
        Assert.Equal(["1|0", "2|0", "3|0"], query.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"WARNING:  result column \"count\" {Warned}", query.StandardError, StringComparison.Ordinal);
    }

    // Raw frames: every new result is warned, whatever portal read in chunks came before it (the
    // warning once went missing for a result whose text matched a suspended portal's).
    [Fact]
    public async Task Every_new_result_is_warned_after_a_portal_read_in_chunks_and_in_a_pipeline()
    {
        await using var raw = await RawClient.ConnectAsync(Gateway.Port);
        await raw.LoginAsync("alice", GatewayConfig.AlicePassword, "main");

        await raw.SendAsync(b =>
        {
            b.ParseFrame("SELECT upper(ssn) AS u FROM customers ORDER BY id");
            b.BindFrame();
            b.ExecuteFrame(rows: 1);
            b.SyncFrame();
        });
        var chunk = await raw.ReadUntilReadyAsync();
        Assert.Contains(chunk, m => m.Type == 's');
        Assert.Equal(1, Warnings(chunk));

        await raw.QueryAsync("SELECT count(email) AS u FROM customers");
        Assert.Equal(1, Warnings(await raw.ReadUntilReadyAsync()));

        // One batch, two results of the unnamed portal (each Bind makes a new one).
        await raw.SendAsync(b =>
        {
            b.ParseFrame("SELECT lower(ssn) AS u FROM customers WHERE id = 1");
            b.BindFrame();
            b.ExecuteFrame();
            b.BindFrame();
            b.ExecuteFrame();
            b.SyncFrame();
        });
        Assert.Equal(2, Warnings(await raw.ReadUntilReadyAsync()));
    }

    // A portal name bound again in a batch of its own (or declared again as a cursor) is another
    // result: only the same binding is the rest of one (the re-attack of 2026-12-08 found both missing).
    [Fact]
    public async Task A_portal_bound_again_or_declared_again_is_warned_again()
    {
        await using var raw = await RawClient.ConnectAsync(Gateway.Port);
        await raw.LoginAsync("alice", GatewayConfig.AlicePassword, "main");

        await raw.QueryAsync("BEGIN");
        await raw.ReadUntilReadyAsync();
        await raw.SendAsync(b => b.ParseFrame("SELECT upper(ssn) AS u FROM customers ORDER BY id").BindFrame(portal: "p").ExecuteFrame("p", rows: 1).SyncFrame());
        Assert.Equal(1, Warnings(await raw.ReadUntilReadyAsync()));

        // Close and bind p again, without executing it in that batch; then read it.
        await raw.SendAsync(b =>
        {
            b.Start((byte)'C').WriteByte((byte)'P').WriteCString("p").Finish();
            b.ParseFrame("SELECT lower(email) AS u FROM customers ORDER BY id").BindFrame(portal: "p").SyncFrame();
        });
        await raw.ReadUntilReadyAsync();
        await raw.SendAsync(b => b.ExecuteFrame("p", rows: 1).SyncFrame());
        Assert.Equal(1, Warnings(await raw.ReadUntilReadyAsync()));

        // The same binding read on: not warned again.
        await raw.SendAsync(b => b.ExecuteFrame("p", rows: 1).SyncFrame());
        Assert.Equal(0, Warnings(await raw.ReadUntilReadyAsync()));

        // A cursor of the same name declared in SQL, then read through the protocol.
        await raw.QueryAsync("CLOSE p; DECLARE p CURSOR FOR SELECT upper(email) AS u FROM customers ORDER BY id");
        await raw.ReadUntilReadyAsync();
        await raw.SendAsync(b => b.ExecuteFrame("p", rows: 1).SyncFrame());
        Assert.Equal(1, Warnings(await raw.ReadUntilReadyAsync()));
        await raw.QueryAsync("COMMIT");
        await raw.ReadUntilReadyAsync();
    }

    [Fact]
    public async Task PgJdbc_reading_a_portal_in_chunks_gets_the_warning_once()
    {
        var result = await RunJdbcClientAsync("RedactedWarning.java");

        Assert.True(result.ExitCode == 0, result.Output);
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["row\t1\t****", "row\t2\t****", "row\t3\t****"], lines.Where(l => l.StartsWith("row\t", StringComparison.Ordinal)));
        var warning = Assert.Single(lines, l => l.StartsWith("warning\t", StringComparison.Ordinal));
        Assert.Equal($"warning\t01000\tresult column \"u\" {Warned}: they are not the real results", warning);
    }
}
