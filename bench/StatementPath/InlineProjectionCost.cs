using System.Diagnostics;
using System.Globalization;
using JasperFx.Events.Projections;
using Marten;
using OrleansGate.Grains.Audit;
using OrleansGate.Grains.Audit.Events;
using OrleansGate.Grains.Audit.Projections;
using OrleansGate.Grains.Policy;
using OrleansGate.Grains.Sessions;
using OrleansGate.Grains.Statements;

namespace OrleansGate.Bench.StatementPath;

/// <summary>
/// What an inline projection would cost the audit writer's group commit: the same commits
/// (8 sessions × StatementReceived + DecisionMade each, 600 commits, the first 100 left out) into
/// a store without projections and into stores with SessionSummary or SessionTimeline inline.
/// Each store gets a schema of its own in the database given, dropped afterwards.
/// </summary>
public static class InlineProjectionCost
{
    public static async Task<IReadOnlyList<string>> RunAsync(string connectionString)
    {
        var report = new List<string>();
        foreach (var (name, projection) in new (string, Action<StoreOptions>?)[]
                 {
                     ("none", null),
                     ("SessionSummary inline", o => o.Projections.Add(new SessionSummaryProjection(), ProjectionLifecycle.Inline)),
                     ("SessionTimeline inline", o => o.Projections.Add(new SessionTimelineProjection(), ProjectionLifecycle.Inline)),
                 })
        {
            var schema = "og_bench_" + Guid.NewGuid().ToString("N")[..6];
            using var store = DocumentStore.For(o =>
            {
                AuditStore.ConfigureEvents(o, connectionString, schema);
                projection?.Invoke(o);
            });
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            try
            {
                report.Add(name + ": " + await MeasureAsync(store, schema));
            }
            finally
            {
                await using var drop = store.LightweightSession();
                drop.QueueSqlCommand($"DROP SCHEMA {schema} CASCADE");
                await drop.SaveChangesAsync();
            }
        }

        return report;
    }

    private static async Task<string> MeasureAsync(IDocumentStore store, string schema)
    {
        var sessions = Enumerable.Range(0, 8).Select(i => $"bench-{schema}-{i}").ToArray();
        await using (var start = store.LightweightSession())
        {
            foreach (var id in sessions)
            {
                start.Events.StartStream(id, new SessionStarted(id, "bench", [], "main", null, null, false, DateTimeOffset.UtcNow));
            }

            await start.SaveChangesAsync();
        }

        var times = new List<double>();
        for (var commit = 1; commit <= 600; commit++)
        {
            await using var session = store.LightweightSession();
            foreach (var id in sessions)
            {
                var now = DateTimeOffset.UtcNow;
                session.Events.Append(id,
                    new StatementReceived(id, commit, StatementPhase.Query, "SELECT * FROM t WHERE id = 1", StatementKind.Select, [StatementKind.Select],
                        "SELECT", "fp", ["t"], [], [], [], [], null, now),
                    new DecisionMade(id, commit, PolicyAction.Allow, "default:allow", null, null, [], now));
            }

            var watch = Stopwatch.StartNew();
            await session.SaveChangesAsync();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        var warm = times.Skip(100).Order().ToList();
        var late = times.Skip(500).Average();
        return string.Create(CultureInfo.InvariantCulture,
            $"mean {warm.Average():0.00} ms, p50 {warm[warm.Count / 2]:0.00} ms, p99 {warm[(int)(warm.Count * 0.99)]:0.00} ms, last 100 commits mean {late:0.00} ms");
    }
}
