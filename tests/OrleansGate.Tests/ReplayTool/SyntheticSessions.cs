using OrleansGate.Grains.Audit;
using OrleansGate.Grains.Audit.Events;
using OrleansGate.Grains.Policy;
using OrleansGate.Grains.Sessions;
using OrleansGate.Grains.Statements;

namespace OrleansGate.Tests.ReplayTool;

/// <summary>
/// Small sessions written straight into the audit store with Marten (no gateway), for projection
/// rebuilds over many sessions: each one starts, reads bulk_table, is refused a DELETE on it, and ends.
/// </summary>
public static class SyntheticSessions
{
    public const int EventsPerSession = 9;

    public static async Task AppendAsync(string connectionString, string identity, int count, int perCommit = 500)
    {
        using var store = AuditStore.Create(new AuditStoreOptions { ConnectionString = connectionString });
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);
        for (var first = 0; first < count; first += perCommit)
        {
            await using var session = store.LightweightSession();
            for (var n = first; n < Math.Min(count, first + perCommit); n++)
            {
                var id = $"{identity}-{n:D6}";
                var at = start.AddMilliseconds(n);
                session.Events.StartStream(id, Events(id, identity, at));
            }

            await session.SaveChangesAsync();
        }
    }

    private static object[] Events(string id, string identity, DateTimeOffset at) =>
    [
        new SessionStarted(id, identity, ["bulk"], "main", "127.0.0.1", "synthetic", false, at),
        new StatementReceived(id, 1, StatementPhase.Query, "SELECT * FROM bulk_table", StatementKind.Select, [StatementKind.Select], "SELECT",
            "fp-select", ["bulk_table"], [], [], [], [], null, at.AddTicks(10)),
        new DecisionMade(id, 1, PolicyAction.Allow, "default:allow", null, null, [], at.AddTicks(20)),
        new StatementReceived(id, 2, StatementPhase.Query, "DELETE FROM bulk_table", StatementKind.Delete, [StatementKind.Delete], "DELETE",
            "fp-delete", [], ["bulk_table"], [], [], [], null, at.AddTicks(30)),
        new DecisionMade(id, 2, PolicyAction.Block, "no-deletes", "42501", "blocked by rule 'no-deletes'", [], at.AddTicks(40)),
        new StatementCompleted(id, 1, OutcomeKind.Completed, "SELECT 2", 2, null, null, at.AddTicks(50)),
        new StatementReceived(id, 3, StatementPhase.Query, "SELECT 1", StatementKind.Select, [StatementKind.Select], "SELECT",
            "fp-one", [], [], [], [], [], null, at.AddTicks(60)),
        new DecisionMade(id, 3, PolicyAction.Allow, "default:allow", null, null, [], at.AddTicks(70)),
        new SessionEnded(id, "client closed", 3, at.AddTicks(80)),
    ];
}
