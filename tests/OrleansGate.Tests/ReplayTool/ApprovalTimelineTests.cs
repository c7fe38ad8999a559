using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansGate.Grains.Approvals;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.ReplayTool;

/// <summary>
/// Held statements in the replay: one approved, one denied, both by bob; after a projection rebuild
/// the SessionTimeline document, <c>sessions show</c> and <c>sessions play</c> carry each approval
/// step, in order, with who decided and why.
/// </summary>
public sealed class ApprovalTimelineTests(PostgresFixture postgres) : ReplayTestBase(postgres)
{
    private static readonly Approver Bob = new("bob", ["approvers"]);

    protected override void Configure(JsonObject configuration) =>
        GatewayConfig.UsePolicy(configuration, "main", """
            { "Name": "held-writes", "Rules": [
              { "Name": "hold-order-writes", "Relations": ["orders"], "Kinds": ["Insert"], "Action": "Hold",
                "ApproverGroups": ["approvers"] } ] }
            """);

    [Fact]
    public async Task Approved_and_denied_holds_appear_in_the_rebuilt_timeline_in_order_with_the_approver()
    {
        var application = "approvals-" + Token();
        var grains = Gateway.Services.GetRequiredService<IGrainFactory>();
        var approved = $"INSERT INTO orders (id, customer_id, total, note) SELECT max(id) + 1, 1, 1, '{application}-approved' FROM orders";
        var denied = $"INSERT INTO orders (id, customer_id, total, note) SELECT max(id) + 1, 1, 1, '{application}-denied' FROM orders";
        string approvedId, deniedId;
        await using (var connection = await OpenViaGatewayAsync(b => b.ApplicationName = application))
        {
            await using (var first = new NpgsqlCommand("SELECT count(*) FROM customers", connection))
            {
                Assert.Equal(3L, await first.ExecuteScalarAsync());
            }

            await using (var write = new NpgsqlCommand(approved, connection))
            {
                var running = write.ExecuteNonQueryAsync();
                approvedId = (await PendingApprovals.WaitForAsync(grains, s => s.Contains("-approved", StringComparison.Ordinal), "the first insert")).Id;
                await grains.GetGrain<IApprovalGrain>(approvedId).ApproveVouchedAsync(Bob, "ticket 42", window: null);
                Assert.Equal(1, await running.WaitAsync(TimeSpan.FromSeconds(30)));
            }

            await using (var write = new NpgsqlCommand(denied, connection))
            {
                var running = write.ExecuteNonQueryAsync();
                deniedId = (await PendingApprovals.WaitForAsync(grains, s => s.Contains("-denied", StringComparison.Ordinal), "the second insert")).Id;
                await grains.GetGrain<IApprovalGrain>(deniedId).DenyVouchedAsync(Bob, "not during the freeze");
                var error = await Assert.ThrowsAsync<PostgresException>(() => running.WaitAsync(TimeSpan.FromSeconds(30)));
                Assert.Equal("42501", error.SqlState);
            }
        }

        var id = (await AuditRecord.EndedSessionOfApplicationAsync(Postgres, application))[0].StreamId;
        var rebuild = await ReplayAsync("projections", "rebuild");
        Assert.True(rebuild.ExitCode == 0, rebuild.Output);

        string[] approvedSteps = [$"requested {approvedId} (rule hold-order-writes, approvers approvers)", "approved by bob: ticket 42"];
        string[] deniedSteps = [$"requested {deniedId} (rule hold-order-writes, approvers approvers)", "denied by bob: not during the freeze"];

        // The projection document, as an auditor reads it with SQL.
        var document = await TimelineDocumentAsync(id);
        var entries = document.GetProperty("Entries").EnumerateArray().ToList();
        var held = entries.Where(e => e.GetProperty("Action").GetString() == "Hold").ToList();
        Assert.Equal(2, held.Count);
        Assert.Equal([approved, denied], held.Select(e => e.GetProperty("Sql").GetString()));
        Assert.Equal(approvedSteps, Steps(held[0]));
        Assert.Equal(deniedSteps, Steps(held[1]));
        Assert.Equal("Completed", held[0].GetProperty("Outcome").GetString());
        Assert.Equal(JsonValueKind.Null, held[1].GetProperty("Outcome").ValueKind);
        Assert.True(held[0].GetProperty("Sequence").GetInt64() < held[1].GetProperty("Sequence").GetInt64());

        // sessions show: the APPROVAL cell of each held statement, read back from the table as printed.
        var show = await ReplayAsync("sessions", "show", id);
        Assert.True(show.ExitCode == 0, show.Output);
        Assert.Contains("2 held", show.StandardOutput, StringComparison.Ordinal);
        var rows = TableRows(show.StandardOutput);
        var heldRows = rows.Where(r => r["DECISION"] == "Hold (hold-order-writes)").ToList();
        Assert.Equal([string.Join("; ", approvedSteps), string.Join("; ", deniedSteps)], heldRows.Select(r => r["APPROVAL"]));
        Assert.Equal(["INSERT 0 1", ""], heldRows.Select(r => r["OUTCOME"]));

        // sessions play: the steps under each held statement, in order.
        var play = await ReplayAsync("sessions", "play", id, "--speed", "0");
        Assert.Equal(0, play.ExitCode);
        var lines = play.StandardOutput.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var expected = new[]
        {
            "alice@main=> " + approved, "-- held for approval by rule 'hold-order-writes'", "--   " + approvedSteps[0], "--   " + approvedSteps[1],
            "INSERT 0 1",
            "alice@main=> " + denied, "-- held for approval by rule 'hold-order-writes'", "--   " + deniedSteps[0], "--   " + deniedSteps[1],
            "-- did not run",
        };
        var at = 0;
        foreach (var want in expected)
        {
            var found = lines.FindIndex(at, l => l.StartsWith(want, StringComparison.Ordinal));
            Assert.True(found >= 0, $"'{want}' not found in order after line {at} of:\n{play.StandardOutput}");
            at = found + 1;
        }
    }

    /// <summary>
    /// The rows of the table <c>sessions show</c> prints, by column header; a cell that wraps over
    /// several lines is joined back with single spaces.
    /// </summary>
    private static List<Dictionary<string, string>> TableRows(string output)
    {
        var lines = output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith('│')).ToList();
        static string[] Cells(string line) => line.Split('│')[1..^1].Select(c => c.Trim()).ToArray();
        var headers = Cells(lines[0]);
        var rows = new List<Dictionary<string, string>>();
        foreach (var cells in lines.Skip(1).Select(Cells))
        {
            if (cells[0].Length > 0)
            {
                rows.Add(headers.Select((h, i) => (h, cells[i])).ToDictionary(p => p.h, p => p.Item2));
                continue;
            }

            for (var i = 0; i < headers.Length; i++)
            {
                if (cells[i].Length > 0)
                {
                    rows[^1][headers[i]] = (rows[^1][headers[i]] + " " + cells[i]).Trim();
                }
            }
        }

        return rows;
    }

    private static List<string?> Steps(JsonElement entry) => entry.GetProperty("ApprovalSteps").EnumerateArray().Select(s => s.GetString()).ToList();

    private async Task<JsonElement> TimelineDocumentAsync(string id)
    {
        await using var audit = new NpgsqlConnection(Postgres.AuditConnectionString);
        await audit.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT data::text FROM og_audit.mt_doc_sessiontimeline WHERE id = @id", audit);
        command.Parameters.AddWithValue("id", id);
        var text = (string?)await command.ExecuteScalarAsync() ?? throw new InvalidOperationException($"no timeline document for {id}");
        using var json = JsonDocument.Parse(text);
        return json.RootElement.Clone();
    }
}
