using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Audit;

/// <summary>
/// The docs' read-only rule (analysts blocked from Insert, Update, Delete, Merge, Truncate and Ddl)
/// against what a read-only analyst must not be able to run: role DDL, GRANT, ALTER DEFAULT
/// PRIVILEGES and COPY FROM are DDL and Insert now. Each attempt is refused naming the rule, and
/// its effect is checked for on the server.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ReadOnlyPolicyTests(PostgresFixture postgres) : AuditTestBase(postgres)
{
    public static TheoryData<string> DdlAndWrites => new()
    {
        "CREATE ROLE og_intruder LOGIN PASSWORD 'x'",
        "CREATE USER og_intruder",
        "ALTER ROLE og_upstream CREATEROLE",
        "ALTER ROLE CURRENT_USER SET search_path = evil",
        "DROP ROLE IF EXISTS og_intruder",
        "GRANT SELECT ON secrets TO PUBLIC",
        "REVOKE SELECT ON secrets FROM PUBLIC",
        "GRANT pg_read_server_files TO CURRENT_USER",
        "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC",
        "REASSIGN OWNED BY CURRENT_USER TO CURRENT_USER",
        "DROP OWNED BY og_intruder",
        "COMMENT ON TABLE secrets IS 'owned'",
        "ALTER DATABASE CURRENT_DATABASE SET work_mem = '1GB'",
        "CREATE PUBLICATION everything FOR ALL TABLES",
        "CREATE EXTENSION IF NOT EXISTS pgcrypto",
    };

    [Theory]
    [MemberData(nameof(DdlAndWrites))]
    public async Task Role_privilege_and_setting_changes_are_ddl(string sql)
    {
        await using var connection = await OpenViaGatewayAsync();
        await using var command = new NpgsqlCommand(sql, connection);

        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal("42501", refused.SqlState);
        Assert.Contains("analysts-read-only", refused.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Copy_from_the_client_is_an_insert_through_psql_and_the_protocol()
    {
        // psql's \copy sends COPY … FROM STDIN and streams the file's rows.
        var rows = Path.GetTempFileName();
        await File.WriteAllTextAsync(rows, "copied-in\n");
        var viaPsql = await ClientTools.PsqlAsync(Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main"),
            ["-c", $"\\copy touches (note) FROM '{rows}'"]);
        File.Delete(rows);
        Assert.Contains("analysts-read-only", viaPsql.StandardError, StringComparison.Ordinal);

        await using var raw = await RawClient.ConnectAsync(Gateway.Port);
        await raw.LoginAsync("alice", GatewayConfig.AlicePassword, "main");
        await raw.SendAsync(b =>
        {
            b.Start((byte)'P').WriteCString(string.Empty).WriteCString("COPY touches (note) FROM STDIN").WriteInt16(0).Finish();
            b.Start((byte)'B').WriteCString(string.Empty).WriteCString(string.Empty).WriteInt16(0).WriteInt16(0).WriteInt16(0).Finish();
            b.Start((byte)'E').WriteCString(string.Empty).WriteInt32(0).Finish();
            b.Start((byte)'S').Finish();
        });
        var replies = await raw.ReadUntilReadyAsync();
        Assert.Equal("42501", RawClient.Error(Assert.Single(replies, m => m.Type == 'E')).SqlState);
        Assert.DoesNotContain(replies, m => m.Type == 'G');

        Assert.Empty(await TouchesAsync());
    }

    [Fact]
    public async Task No_role_was_created_and_nothing_was_granted()
    {
        await using var connection = await OpenViaGatewayAsync();
        foreach (var sql in new[] { "CREATE ROLE og_intruder", "GRANT SELECT ON secrets TO PUBLIC" })
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
        }

        await using var direct = await OpenDirectAsync();
        await using var check = new NpgsqlCommand(
            "SELECT (SELECT count(*) FROM pg_roles WHERE rolname = 'og_intruder') + (SELECT count(*) FROM information_schema.table_privileges " +
            "WHERE table_name = 'secrets' AND grantee = 'PUBLIC')", direct);
        Assert.Equal(0L, await check.ExecuteScalarAsync());
    }
}
