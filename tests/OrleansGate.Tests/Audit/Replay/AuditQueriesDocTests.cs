using System.Text.RegularExpressions;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Audit.Replay;

/// <summary>Every example query of docs/audit-queries.md runs against a real audit database and finds the scripted session.</summary>
public sealed partial class AuditQueriesDocTests(PostgresFixture postgres) : ReplayTestBase(postgres)
{
    [Fact]
    public async Task Every_example_query_in_audit_queries_md_runs()
    {
        var id = await RunScriptedSessionAsync("doc-" + Token());
        Assert.Equal(0, (await ReplayAsync("sessions", "list", "--identity", "alice")).ExitCode); // catches the projections up

        var doc = await File.ReadAllTextAsync(FindDoc());
        var queries = SqlBlock().Matches(doc).Select(m => m.Groups[1].Value).ToList();
        Assert.True(queries.Count >= 8, $"found {queries.Count} sql blocks");
        await using var audit = new NpgsqlConnection(Postgres.AuditConnectionString);
        await audit.OpenAsync();
        var rowsPerQuery = new List<int>();
        foreach (var sql in queries)
        {
            await using var command = new NpgsqlCommand(sql, audit);
            await using var reader = await command.ExecuteReaderAsync();
            var rows = 0;
            var text = new System.Text.StringBuilder();
            while (await reader.ReadAsync())
            {
                rows++;
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    text.Append(reader.IsDBNull(i) ? "" : reader.GetValue(i).ToString()).Append('|');
                }
            }

            rowsPerQuery.Add(rows);
            if (sql.Contains("'Block'", StringComparison.Ordinal))
            {
                Assert.Contains(id, text.ToString(), StringComparison.Ordinal);
            }
        }

        // The session queries (1–6) all find the scripted session's data.
        Assert.All(rowsPerQuery.Take(6), r => Assert.True(r > 0));
    }

    private static string FindDoc()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "docs", "audit-queries.md");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("docs/audit-queries.md");
    }

    [GeneratedRegex("```sql\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex SqlBlock();
}
