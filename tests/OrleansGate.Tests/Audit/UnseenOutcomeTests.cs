using System.Security.Cryptography;
using System.Text;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Audit;

/// <summary>
/// What the client sends but the record could not show before: the data of COPY FROM STDIN (its
/// size and SHA-256, not the rows), and how a statement ended when its client left while it ran.
/// </summary>
public sealed class UnseenOutcomeTests(PostgresFixture postgres) : AuditTestBase(postgres)
{
    protected override string SetUpDatabaseSql => base.SetUpDatabaseSql + """

        CREATE TABLE loads (n int NOT NULL, label text NOT NULL);
        """;

    protected override void Configure(System.Text.Json.Nodes.JsonObject configuration) =>
        GatewayConfig.UsePolicy(configuration, "main", """{ "Name": "main", "Rules": [] }""");

    [Fact]
    public async Task Copy_from_stdin_records_the_size_and_sha256_of_what_the_client_sent()
    {
        const string data = "1\tfirst\n2\tsecond\n3\tthird\n";
        var app = "copy-in-" + Token();
        await using (var connection = await OpenViaGatewayAsync(b => b.ApplicationName = app))
        {
            await using (var writer = await connection.BeginTextImportAsync("COPY loads FROM STDIN"))
            {
                await writer.WriteAsync(data);
            }

            // A COPY the client abandons: CopyFail, recorded as failed with what had been sent.
            var aborted = await connection.BeginTextImportAsync("COPY loads FROM STDIN");
            await aborted.WriteAsync("4\tfourth\n");
            await aborted.FlushAsync();
            try
            {
                aborted.Cancel();
            }
            catch (PostgresException e) when (e.SqlState == "57014")
            {
            }
        }

        var record = await AuditRecord.EndedSessionOfApplicationAsync(Postgres, app);
        var copies = record.Completions().Where(e => e.Data.TryGetProperty("CopyIn", out var c) &&
                                       c.ValueKind == System.Text.Json.JsonValueKind.Object).ToList();
        Assert.Equal(2, copies.Count);
        var loaded = copies[0].Data.GetProperty("CopyIn");
        Assert.Equal("COPY 3", copies[0].Text("CommandTag"));
        Assert.Equal(Encoding.UTF8.GetByteCount(data), loaded.GetProperty("Bytes").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(data))), loaded.GetProperty("Sha256").GetString());
        Assert.False(loaded.GetProperty("Failed").GetBoolean());

        var abandoned = copies[1].Data.GetProperty("CopyIn");
        Assert.Equal("Failed", copies[1].Text("Outcome"));
        Assert.True(abandoned.GetProperty("Failed").GetBoolean());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData("4\tfourth\n"u8)), abandoned.GetProperty("Sha256").GetString());
    }

    [Fact]
    public async Task A_write_whose_client_vanished_while_it_ran_is_recorded_with_how_it_ended()
    {
        var app = "vanished-" + Token();
        const string sql = "SELECT touch('left-behind'), pg_sleep(1.5)";
        var client = await RawClient.ConnectAsync(Gateway.Port);
        await client.LoginAsync("alice", GatewayConfig.AlicePassword, "main", [new("application_name", app)]);
        await client.QueryAsync(sql);
        await Task.Delay(300);
        client.Abort();

        var record = await AuditRecord.EndedSessionOfApplicationAsync(Postgres, app, TimeSpan.FromSeconds(20));
        var received = record.Single(e => e.IsReceived && e.Text("Sql") == sql);
        var completed = record.Completions().Single(e => e.Sequence == received.Sequence);
        Assert.Equal("Completed", completed.Text("Outcome"));
        Assert.Equal("SELECT 1", completed.Text("CommandTag"));
        Assert.Contains("left-behind", await TouchesAsync());
        Assert.Equal("failure: ClientClosed", record[^1].Text("Reason"));
    }
}
