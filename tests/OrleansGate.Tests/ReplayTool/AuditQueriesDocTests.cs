using System.Text.RegularExpressions;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.ReplayTool;

/// <summary>Every example query of docs/audit-queries.md and docs/audit.md runs against a real audit database and finds the scripted session.</summary>
public sealed partial class AuditQueriesDocTests(PostgresFixture postgres) : ReplayTestBase(postgres)
{
    [Fact]
    public async Task Every_example_query_in_audit_queries_md_runs()
    {
        var id = await RunScriptedSessionAsync("doc-" + Token());
        Assert.Equal(0, (await ReplayAsync("sessions", "list", "--identity", "alice")).ExitCode); // catches the projections up

        var results = await RunExamplesAsync("audit-queries.md");
        Assert.True(results.Count >= 8, $"found {results.Count} sql blocks");
        Assert.All(results.Where(r => r.Sql.Contains("'Block'", StringComparison.Ordinal)), r => Assert.Contains(id, r.Output, StringComparison.Ordinal));

        // The session queries (1–6) all find the scripted session's data.
        Assert.All(results.Take(6), r => Assert.True(r.Rows > 0, r.Sql));
    }

    [Fact]
    public async Task The_raw_event_queries_of_audit_md_find_what_the_session_ran_and_how_it_ended()
    {
        var id = await RunScriptedSessionAsync("rawdoc-" + Token());

        var results = await RunExamplesAsync("audit.md");
        // The token queries (2, 3) must run; their rows come from token logins, which TokenLoginTests makes and checks in the record.
        Assert.Equal(5, results.Count);
        Assert.Contains(id, results[0].Output, StringComparison.Ordinal);
        Assert.All(Script, sql => Assert.Contains(sql.TrimEnd(';'), results[1].Output, StringComparison.Ordinal));
        Assert.Contains("|Block|no-deletes|", results[1].Output, StringComparison.Ordinal);
        Assert.Contains($"{id}|5|Failed|", results[4].Output, StringComparison.Ordinal);
        Assert.Contains($"{id}|1|Completed|SELECT 3|", results[4].Output, StringComparison.Ordinal);
    }

    /// <summary>Runs every ```sql block of the doc on the audit database: its text, row count and rows as "a|b|…|" lines.</summary>
    private async Task<List<(string Sql, int Rows, string Output)>> RunExamplesAsync(string doc)
    {
        var queries = SqlBlock().Matches(await File.ReadAllTextAsync(RepositoryFile.PathOf(Path.Combine("docs", doc)))).Select(m => m.Groups[1].Value).ToList();
        await using var audit = new NpgsqlConnection(Postgres.AuditConnectionString);
        await audit.OpenAsync();
        var results = new List<(string, int, string)>();
        foreach (var sql in queries.SelectMany(q => q.Split(";\n\n", StringSplitOptions.RemoveEmptyEntries)))
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

                text.Append('\n');
            }

            results.Add((sql, rows, text.ToString()));
        }

        return results;
    }

    [GeneratedRegex("```sql\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex SqlBlock();
}
