using System.Diagnostics;
using System.Globalization;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using OrleansGate.Grains.Audit;
using OrleansGate.Grains.Audit.Events;
using OrleansGate.Grains.Audit.Projections;
using OrleansGate.Grains.Policy;
using OrleansGate.Grains.Sessions;
using OrleansGate.Grains.Statements;
using OrleansGate.Tests.Support;
using Weasel.Core;
using Xunit;

namespace OrleansGate.Tests.Audit.Replay;

/// <summary>
/// What an inline projection would cost the audit writer's group commit: the same commits
/// (8 sessions × StatementReceived + DecisionMade each) into a store without projections and into
/// one with SessionSummary / SessionTimeline inline. Only with OG_INLINE_BENCH=1 (docs/benchmarks.md).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class InlineProjectionCostTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Inline_projection_commit_cost()
    {
        if (Environment.GetEnvironmentVariable("OG_INLINE_BENCH") != "1")
        {
            return;
        }

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
                o.Connection(postgres.AuditConnectionString);
                o.DatabaseSchemaName = schema;
                o.Events.DatabaseSchemaName = schema;
                o.Events.StreamIdentity = StreamIdentity.AsString;
                o.Events.AppendMode = EventAppendMode.Quick;
                o.UseSystemTextJsonForSerialization(EnumStorage.AsString);
                o.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
                foreach (var type in AuditStore.EventTypes)
                {
                    o.Events.AddEventType(type);
                }

                projection?.Invoke(o);
            });
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
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
            report.Add(string.Create(CultureInfo.InvariantCulture,
                $"{name}: mean {warm.Average():0.00} ms, p50 {warm[warm.Count / 2]:0.00} ms, p99 {warm[(int)(warm.Count * 0.99)]:0.00} ms, last 100 commits mean {late:0.00} ms"));
        }

        await File.WriteAllLinesAsync(Environment.GetEnvironmentVariable("OG_INLINE_REPORT") ?? "/tmp/inline-bench.txt", report);
    }
}
