using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansGate.Grains.Approvals;
using OrleansGate.Tests.Audit;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Grains.Approvals;

/// <summary>
/// Held statements through the real gateway, decided through the approval grains the way the admin
/// API decides them. Tests do not depend on what the client sees while it is held (the proxy side
/// is built separately): they read the approval id from the session's record and assert on the
/// grains and the record.
/// </summary>
[Collection(SecondPostgresCollection.Name)]
public abstract class ApprovalTestBase(PostgresFixture postgres) : AuditTestBase(postgres)
{
    // Requests and approval windows live in the gateway's grains for minutes: a test must not meet
    // an earlier test's (a window on the same statement would let it through unheld).
    protected override bool SharesGatewayWithClass => false;

    protected static readonly Approver Bob = new("bob", ["approvers"]);
    protected static readonly Approver Dave = new("dave", ["approvers"]);
    protected static readonly Approver Carol = new("carol", ["outsiders"]);

    /// <summary>alice, with approver rights of her own: she still cannot approve her own requests.</summary>
    protected static readonly Approver AliceAsApprover = new("alice", ["analysts", "approvers"]);

    protected override string SetUpDatabaseSql => base.SetUpDatabaseSql + """

        CREATE TABLE big AS SELECT n FROM generate_series(1, 100000) AS n;
        ANALYZE big;
        """;

    protected override void Configure(JsonObject configuration)
    {
        var identities = (JsonArray)configuration["OrleansGate"]!["Identities"]!;
        identities.Add(GatewayConfig.Identity("dave", "dave-secret", "approvers"));
        GatewayConfig.UsePolicy(configuration, "main", """
            { "Name": "approvals", "Rules": [
              { "Name": "no-truncate", "Kinds": ["Truncate"], "Action": "Block" },
              { "Name": "two-for-deletes", "Kinds": ["Delete"], "Relations": ["touches"], "Conditions": ["UnboundedWrite"],
                "Action": "Hold", "ApproverGroups": ["approvers"], "MinApprovals": 2 },
              { "Name": "hold-unbounded-writes", "Conditions": ["UnboundedWrite"], "Action": "Hold", "ApproverGroups": ["approvers"] },
              { "Name": "hold-production-ddl", "Conditions": ["ProductionDdl"], "Action": "Hold", "ApproverGroups": ["approvers"] },
              { "Name": "hold-bulk-secrets", "Relations": ["secrets"], "Conditions": ["BulkRead"], "Action": "Hold", "ApproverGroups": ["approvers"] },
              { "Name": "hold-bulk-big", "Relations": ["big"], "Conditions": ["BulkRead"], "BulkReadRows": 1000,
                "Action": "Hold", "ApproverGroups": ["approvers"] },
              { "Name": "hold-sleep-briefly", "Functions": ["pg_sleep"], "Action": "Hold", "ApproverGroups": ["approvers"], "Timeout": "00:00:02" },
              { "Name": "hold-touch", "Functions": ["touch"], "Action": "Hold", "ApproverGroups": ["approvers"] } ] }
            """);
        var targets = configuration.Targets();
        targets.OfType<JsonObject>().Single(t => (string?)t["Name"] == "main")["Production"] = true;
        // The same database through a target that is not production, under the same policy.
        targets.OfType<JsonObject>().Single(t => (string?)t["Name"] == "md5")["Policy"] = "approvals";
    }

    protected IGrainFactory Grains => Gateway.Services.GetRequiredService<IGrainFactory>();

    protected IApprovalGrain Approval(string id) => Grains.GetGrain<IApprovalGrain>(id);

    protected static string App() => "approvals-" + Token();

    /// <summary>
    /// Sends <paramref name="sql"/> as alice with a fresh application name and returns once its
    /// request is in the record: the approval's id, and the client's command (still waiting, or
    /// refused, depending on the proxy) with its connection, disposed by the test.
    /// </summary>
    protected async Task<Held> HoldAsync(string sql, string target = "main", string user = "alice", string password = GatewayConfig.AlicePassword)
    {
        var app = App();
        var connection = new NpgsqlConnection(Gateway.ConnectionString(user, password, target, b => b.ApplicationName = app));
        await connection.OpenAsync();
        var client = Task.Run(async () =>
        {
            await using var command = new NpgsqlCommand(sql, connection);
            try
            {
                await command.ExecuteNonQueryAsync();
            }
            catch (PostgresException)
            {
            }
        });
        var requested = await Eventually.HoldsAsync(() => AuditRecord.SessionOfApplicationAsync(Postgres, app),
            events => events.Any(e => e.Type == "approval_requested"), TimeSpan.FromSeconds(15));
        var id = requested.Single(e => e.Type == "approval_requested").Text("ApprovalId");
        return new Held(id, app, connection, client);
    }

    /// <summary>Runs <paramref name="sql"/> through the gateway as alice; the session's record once it is in, and whether the statement ran.</summary>
    protected async Task<(List<RecordedEvent> Record, bool Ran)> RunAsync(string sql, string target = "main")
    {
        var app = App();
        var ran = true;
        await using (var connection = new NpgsqlConnection(Gateway.ConnectionString("alice", GatewayConfig.AlicePassword, target,
                         b => b.ApplicationName = app)))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            // A held statement waits for a person: once its request is pending it is withdrawn, and
            // the client gets its refusal (callers may withdraw it again: that changes nothing).
            // The timeout only bounds a statement that neither runs nor is held.
            command.CommandTimeout = 15;
            var running = command.ExecuteNonQueryAsync();
            var withdrawing = WithdrawOnceHeldAsync(sql, running);
            try
            {
                await running;
            }
            catch (Exception e) when (e is PostgresException or NpgsqlException)
            {
                ran = false;
            }

            await withdrawing;
        }

        return (await AuditRecord.EndedSessionOfApplicationAsync(Postgres, app), ran);
    }

    private async Task WithdrawOnceHeldAsync(string sql, Task running)
    {
        var index = Grains.GetGrain<IApprovalIndexGrain>(0);
        while (!running.IsCompleted)
        {
            if ((await index.PendingAsync()).FirstOrDefault(r => r.Requester == "alice" && r.Statements.Contains(sql)) is { } held)
            {
                await Approval(held.Id).WithdrawAsync("test over");
                return;
            }

            await Task.WhenAny(running, Task.Delay(50));
        }
    }

    /// <summary>The decisions on the statements with this SQL (the driver's own queries at login are in the record too).</summary>
    protected static List<RecordedEvent> DecisionsOn(List<RecordedEvent> record, params string[] sql)
    {
        var sequences = record.Where(e => e.IsReceived && sql.Contains(e.Text("Sql"))).Select(e => e.Sequence).ToHashSet();
        return record.Where(e => e.IsDecision && sequences.Contains(e.Sequence)).ToList();
    }

    /// <summary>The events of the approval in its session's stream, once there are at least <paramref name="count"/>.</summary>
    protected async Task<List<RecordedEvent>> ApprovalEventsAsync(Held held, int count) =>
        (await Eventually.HoldsAsync(() => AuditRecord.SessionOfApplicationAsync(Postgres, held.App),
            events => events.Count(e => e.Type.StartsWith("approval_", StringComparison.Ordinal)) >= count, TimeSpan.FromSeconds(15)))
        .Where(e => e.Type.StartsWith("approval_", StringComparison.Ordinal)).ToList();

    protected sealed record Held(string Id, string App, NpgsqlConnection Connection, Task Client) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            // Decided (or refused by the proxy) by now: the client's command has its answer.
            await Client.WaitAsync(TimeSpan.FromSeconds(15)).ContinueWith(_ => { }, TaskScheduler.Default);
            await Connection.DisposeAsync();
        }
    }
}
