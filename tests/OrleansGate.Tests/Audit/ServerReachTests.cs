using System.Text.Json.Nodes;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Audit;

/// <summary>
/// A target whose upstream role is a superuser: PostgreSQL then lets the gateway's credentials read
/// password hashes, TOAST chunks, large objects and configuration files, and act on other
/// sessions. Each test shows the channel open on a direct superuser connection and closed through
/// the gateway; and the gateway warns at start-up that its rules are the only barrier.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ServerReachTests(PostgresFixture postgres) : AuditTestBase(postgres)
{
    private const string Superuser = "og_super";

    private const string TaxId = "TAX-778-1234-99";

    protected override string SetUpDatabaseSql => base.SetUpDatabaseSql + $"""

        CREATE TABLE people (id int PRIMARY KEY, tax text);
        -- Long and random enough to be stored out of line, uncompressed, in the table's TOAST relation.
        INSERT INTO people SELECT 1, '{TaxId} ' || string_agg(md5(i::text), '') FROM generate_series(1, 300) AS i;
        """;

    public override async Task InitializeAsync()
    {
        await using (var admin = await Postgres.OpenAdminAsync())
        {
            await PostgresFixture.ExecuteAsync(admin, $"""
                DO $$ BEGIN
                  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{Superuser}') THEN CREATE ROLE {Superuser} LOGIN SUPERUSER; END IF;
                END $$;
                SET password_encryption = 'scram-sha-256';
                ALTER ROLE {Superuser} PASSWORD '{Postgres.UpstreamPassword}';
                """);
        }

        await base.InitializeAsync();
    }

    protected override void Configure(JsonObject configuration)
    {
        configuration.Targets().Add(GatewayConfig.Target("super", Postgres, Database, Superuser));
        GatewayConfig.UsePolicy(configuration, "super", """{ "Name": "super", "Rules": [] }""");
    }

    public static TheoryData<string, string> Refused => new()
    {
        { "SELECT rolname, rolpassword FROM pg_authid", "default:secret-catalogs" },
        { "SELECT usename, passwd FROM pg_shadow", "default:secret-catalogs" },
        { "SELECT * FROM pg_hba_file_rules", "default:secret-catalogs" },
        { "SELECT sourcefile, name, setting FROM pg_file_settings", "default:secret-catalogs" },
        { "SELECT loid, data FROM pg_largeobject", "default:internal-storage" },
        { "SELECT pg_reload_conf()", "default:server-state" },
        { "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND false", "default:server-state" },
        { "LOAD 'plpgsql'", "default:load" },
        { "SELECT * FROM pg_stat_get_activity(NULL)", "default:other-sessions-statements" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task What_a_superuser_could_read_or_change_is_refused(string sql, string rule)
    {
        await using var direct = await OpenSuperuserAsync();
        await using (var probe = new NpgsqlCommand(sql, direct))
        {
            // The channel is real: the superuser's direct connection runs it.
            await using var reader = await probe.ExecuteReaderAsync();
        }

        await using var connection = await OpenViaGatewayAsync(b => b.Database = "super");
        await using var command = new NpgsqlCommand(sql, connection);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal("42501", refused.SqlState);
        Assert.Contains(rule, refused.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Toast_chunks_of_a_table_are_refused()
    {
        await using var direct = await OpenSuperuserAsync();
        await using var find = new NpgsqlCommand("SELECT reltoastrelid::regclass::text FROM pg_class WHERE relname = 'people'", direct);
        var toast = (string)(await find.ExecuteScalarAsync())!;
        var sql = $"SELECT chunk_id, convert_from(chunk_data, 'UTF8') FROM {toast}";
        await using (var probe = new NpgsqlCommand(sql, direct))
        {
            // The chunks hold the value as stored: the secret is there to read.
            await using var reader = await probe.ExecuteReaderAsync();
            var chunks = new List<string>();
            while (await reader.ReadAsync())
            {
                chunks.Add(reader.GetString(1));
            }

            Assert.Contains(chunks, c => c.Contains(TaxId, StringComparison.Ordinal));
        }

        await using var connection = await OpenViaGatewayAsync(b => b.Database = "super");
        foreach (var attempt in new[] { sql, $"SET search_path = pg_toast, public; SELECT chunk_data FROM {toast.Replace("pg_toast.", string.Empty, StringComparison.Ordinal)}" })
        {
            await using var command = new NpgsqlCommand(attempt, connection);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Contains("default:internal-storage", refused.MessageText, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Other_sessions_statement_text_is_masked_in_pg_stat_activity()
    {
        // Another session runs a statement that quotes a secret, and waits.
        await using var other = await OpenSuperuserAsync();
        var statement = $"SELECT pg_sleep(30), '{TaxId}'";
        await using var sleeping = new NpgsqlCommand(statement, other);
        var running = sleeping.ExecuteNonQueryAsync();
        try
        {
            await CancelCheck.WaitUntilRunningAsync(Postgres, statement);
            await using var connection = await OpenViaGatewayAsync(b => b.Database = "super");
            await using var command = new NpgsqlCommand(
                "SELECT pid, state, query, upper(query), query || '' FROM pg_stat_activity WHERE backend_type = 'client backend'", connection);
            var seen = new List<string>();
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    seen.AddRange(Enumerable.Range(2, 3).Select(i => reader.IsDBNull(i) ? "NULL" : reader.GetString(i)));
                }
            }

            Assert.NotEmpty(seen);
            Assert.DoesNotContain(seen, s => s.Contains(TaxId, StringComparison.Ordinal) || s.Contains("pg_sleep", StringComparison.Ordinal));
        }
        finally
        {
            // Cancelled, not waited out.
            sleeping.Cancel();
            await Assert.ThrowsAnyAsync<Exception>(() => running);
        }
    }

    [Fact]
    public async Task The_gateway_warns_at_start_up_that_the_upstream_role_is_a_superuser()
    {
        // A gateway of its own, started for this test (the class's shared one logged its start-up before an earlier test).
        // (A service of its own too: the shared one's service id stays with the shared one.)
        var configuration = (JsonObject)Gateway.Configuration.DeepClone();
        configuration.Section("Cluster").Remove("ServiceId");
        await using var gateway = await TestGateway.StartAsync(configuration);
        var warning = await Eventually.HoldsAsync(
            () => Task.FromResult(gateway.Log.Entries.FirstOrDefault(e => e.Message.Contains("Target super:", StringComparison.Ordinal)).Message),
            message => message is not null);

        Assert.Contains("is a superuser", warning, StringComparison.Ordinal);
        Assert.Contains("least-privileged", warning, StringComparison.Ordinal);
        Assert.DoesNotContain(Superuser, warning, StringComparison.Ordinal);
        Assert.DoesNotContain(gateway.Log.Entries, e => e.Message.Contains("Target main:", StringComparison.Ordinal));
    }

    private async Task<NpgsqlConnection> OpenSuperuserAsync()
    {
        var connection = new NpgsqlConnection(Postgres.DirectConnectionString(Database, Superuser));
        await connection.OpenAsync();
        return connection;
    }
}
