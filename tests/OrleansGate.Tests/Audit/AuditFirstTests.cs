using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Audit;

/// <summary>
/// Invariant 1: every statement that runs upstream was recorded (StatementReceived and its
/// DecisionMade) in a transaction that committed before the statement started. The proof uses
/// the server's own clocks: the audit events' commit timestamps (track_commit_timestamp) against
/// clock_timestamp() taken by touch() while the statement runs on the same server.
/// </summary>
public sealed class AuditFirstTests(PostgresFixture postgres) : AuditTestBase(postgres), IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("og-audit-first-");

    [Fact]
    public async Task Every_statement_of_a_mixed_workload_was_recorded_before_it_ran()
    {
        await ExecuteDirectAsync("TRUNCATE touches");
        var psql = Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main");
        var token = Token();

        // psql: the simple protocol, one statement and a batch of three.
        Assert.Equal(0, (await ClientTools.PsqlAsync(psql, ["-c", $"SELECT touch('psql-one-{token}')"])).ExitCode);
        Assert.Equal(0, (await ClientTools.PsqlAsync(psql,
            ["-c", $"SELECT touch('psql-a-{token}'); SELECT touch('psql-b-{token}'); SELECT touch('psql-c-{token}')"])).ExitCode);

        // Npgsql: the extended protocol, unprepared, prepared, and a pipelined batch.
        await using (var connection = await OpenViaGatewayAsync())
        {
            await using var unprepared = new NpgsqlCommand("SELECT touch(@note)", connection);
            unprepared.Parameters.AddWithValue("note", $"npgsql-param-{token}");
            await unprepared.ExecuteScalarAsync();

            await using var prepared = new NpgsqlCommand("SELECT touch($1)", connection);
            prepared.Parameters.Add(new NpgsqlParameter { Value = string.Empty });
            await prepared.PrepareAsync();
            for (var i = 0; i < 3; i++)
            {
                prepared.Parameters[0].Value = $"npgsql-prepared-{i}-{token}";
                await prepared.ExecuteScalarAsync();
            }

            await using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands = { new($"SELECT touch('npgsql-batch-1-{token}')"), new($"SELECT touch('npgsql-batch-2-{token}')") },
            };
            await batch.ExecuteNonQueryAsync();
        }

        // pgbench: simple and prepared, a custom script whose statement is the witness.
        var script = Path.Combine(_work.FullName, "touch.sql");
        await File.WriteAllTextAsync(script, "\\set n random(1, 1000000000)\nSELECT touch('pgbench-' || :n);\n");
        foreach (var mode in new[] { "simple", "prepared" })
        {
            var run = await ClientTools.PgbenchAsync(psql, ["-n", "-M", mode, "-c", "2", "-t", "10", "-f", script]);
            Assert.True(run.ExitCode == 0, run.Output);
        }

        var touches = await TouchedAtAsync();
        Assert.Equal(4 + 6 + 40, touches.Count);

        var events = await AuditRecord.ReadAsync(Postgres, withCommitTimes: true);
        var received = events.Where(e => e.IsReceived).ToList();
        var decisions = events.Where(e => e.IsDecision).ToDictionary(e => (e.StreamId, e.Sequence));
        foreach (var (note, ranAt) in touches)
        {
            var record = received.Where(e => Describes(e, note)).MinBy(e => e.CommittedAt);
            Assert.True(record is not null, $"no StatementReceived for the statement that touched '{note}'");
            var decision = decisions[(record.StreamId, record.Sequence)];
            Assert.Equal("Allow", decision.Text("Action"));
            Assert.True(record.CommittedAt < ranAt, $"'{note}': recorded at {record.CommittedAt:O}, ran upstream at {ranAt:O}");
            Assert.True(decision.CommittedAt < ranAt, $"'{note}': decided at {decision.CommittedAt:O}, ran upstream at {ranAt:O}");
        }
    }

    // The note is in the SQL text (literals) or in the Bind parameters; pgbench puts its random
    // number into the text (simple) or into a parameter (prepared) after 'pgbench-' ||.
    private static bool Describes(RecordedEvent statement, string note)
    {
        var sql = statement.Text("Sql");
        var parameters = statement.Data.ListOf("Parameters").Select(p => p.ToString()).ToList();
        if (note.StartsWith("pgbench-", StringComparison.Ordinal))
        {
            var number = note["pgbench-".Length..];
            return sql.Contains("touch('pgbench-' ||", StringComparison.Ordinal)
                   && (sql.EndsWith($"|| {number})", StringComparison.Ordinal) || parameters.Contains(number));
        }

        return sql.Contains($"'{note}'", StringComparison.Ordinal) || parameters.Contains(note);
    }

    private async Task<List<(string Note, DateTime At)>> TouchedAtAsync()
    {
        await using var connection = await OpenDirectAsync();
        await using var command = new NpgsqlCommand("SELECT note, at FROM touches ORDER BY id", connection);
        var rows = new List<(string, DateTime)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetDateTime(1)));
        }

        return rows;
    }

    public void Dispose() => _work.Delete(recursive: true);
}
