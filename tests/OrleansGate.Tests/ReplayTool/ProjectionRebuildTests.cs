using System.Globalization;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.ReplayTool;

/// <summary>
/// <c>projections rebuild</c> over many sessions completes and counts them all. The test uses a few
/// hundred; OG_REBUILD_SESSIONS=10000 makes it the benchmark of docs/benchmarks.md, and
/// OG_REBUILD_REPORT=FILE keeps the tool's output.
/// </summary>
public sealed class ProjectionRebuildTests(PostgresFixture postgres) : ReplayTestBase(postgres)
{
    [Fact]
    public async Task Rebuild_over_many_sessions_completes_and_counts_every_one()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("OG_REBUILD_SESSIONS"), CultureInfo.InvariantCulture, out var n) ? n : 300;
        var identity = "bulk-" + Token();
        await SyntheticSessions.AppendAsync(Postgres.AuditConnectionString, identity, count);

        var rebuild = await ReplayAsync("projections", "rebuild");
        Assert.True(rebuild.ExitCode == 0, rebuild.Output);
        Assert.Contains("Rebuilt 3 projections over", rebuild.StandardOutput, StringComparison.Ordinal);
        if (Environment.GetEnvironmentVariable("OG_REBUILD_REPORT") is { Length: > 0 } report)
        {
            await File.WriteAllTextAsync(report, $"sessions={count}\n{rebuild.StandardOutput}");
        }

        await using var audit = new NpgsqlConnection(Postgres.AuditConnectionString);
        await audit.OpenAsync();
        async Task<long> ScalarAsync(string sql)
        {
            await using var command = new NpgsqlCommand(sql, audit);
            command.Parameters.AddWithValue("identity", identity);
            return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }

        Assert.Equal(count, await ScalarAsync(
            "SELECT count(*) FROM og_audit.mt_doc_sessionsummary WHERE data->>'Identity' = @identity AND (data->>'Blocked')::int = 1 AND data->>'End' IS NOT NULL"));
        Assert.Equal(count, await ScalarAsync(
            "SELECT count(*) FROM og_audit.mt_doc_sessiontimeline WHERE data->>'Identity' = @identity AND jsonb_array_length(data->'Entries') = 3"));
        Assert.Equal(count, await ScalarAsync(
            "SELECT coalesce(sum((data->>'Sessions')::int), 0) FROM og_audit.mt_doc_identityactivity WHERE data->>'Identity' = @identity"));
        Assert.Equal(count * 3L, await ScalarAsync(
            "SELECT coalesce(sum((data->>'Statements')::int), 0) FROM og_audit.mt_doc_identityactivity WHERE data->>'Identity' = @identity"));
        Assert.Equal(count, await ScalarAsync(
            "SELECT (data->>'Blocked')::int FROM og_audit.mt_doc_tableaccess WHERE data->>'Identity' = @identity AND data->>'Relation' = 'bulk_table'"));
        Assert.Equal(count, await ScalarAsync(
            "SELECT (data->>'Reads')::int FROM og_audit.mt_doc_tableaccess WHERE data->>'Identity' = @identity AND data->>'Relation' = 'bulk_table'"));
        Assert.Equal(0L, await ScalarAsync(
            "SELECT count(*) FROM og_audit.mt_doc_accesscursor WHERE data->>'Identity' = @identity"));
    }
}
