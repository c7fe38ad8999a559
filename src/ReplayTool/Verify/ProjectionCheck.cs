using System.Text.Json;
using System.Text.Json.Nodes;
using JasperFx.Events;
using Marten;
using OrleansGate.Grains.Audit.Projections;
using OrleansGate.Grains.Audit.Verification;

namespace OrleansGate.ReplayTool.Verify;

/// <summary>What the projection check found: documents that do not follow from the verified events.</summary>
public sealed record ProjectionReport(IReadOnlyList<string> Problems, IReadOnlyList<string> Notes)
{
    public bool Failed => Problems.Count > 0;
}

/// <summary>
/// The chain covers the events; <c>sessions list</c> and <c>query</c> read the projections, which
/// are documents anyone with write access could edit. So verify recomputes them from the events of
/// the sessions that verified and compares: each session's <see cref="SessionSummary"/> and
/// <see cref="SessionTimeline"/>, and (with <c>--all</c>) every <see cref="TableAccess"/> and
/// <see cref="IdentityActivity"/> from the whole record. A projection that has not caught up with
/// the record yet is not compared; the report says so.
/// </summary>
internal static class ProjectionCheck
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public static async Task<ProjectionReport> RunAsync(IDocumentStore store, IReadOnlyList<SessionVerdict> verdicts, bool all,
        CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var notes = new List<string>();
        var progress = (await store.Advanced.AllProjectionProgress(token: cancellationToken).ConfigureAwait(false))
            .GroupBy(p => p.ShardName.Split(':')[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Min(p => p.Sequence), StringComparer.Ordinal);
        long Progress(string projection) => progress.GetValueOrDefault(projection);

        var behind = new Dictionary<string, int>(StringComparer.Ordinal);
        await using var session = store.QuerySession();
        foreach (var verdict in verdicts.Where(v => !v.Failed && v.Events > 0))
        {
            var events = await session.Events.FetchStreamAsync(verdict.SessionId, token: cancellationToken).ConfigureAwait(false);
            var last = events.Count == 0 ? 0 : events.Max(e => e.Sequence);
            await CompareAsync<SessionSummary>(AuditProjections.Summary, verdict.SessionId, events).ConfigureAwait(false);
            await CompareAsync<SessionTimeline>(AuditProjections.Timeline, verdict.SessionId, events).ConfigureAwait(false);

            async Task CompareAsync<T>(string projection, string id, IReadOnlyList<IEvent> stream) where T : class
            {
                if (Progress(projection) < last)
                {
                    behind[projection] = behind.GetValueOrDefault(projection) + 1;
                    return;
                }

                var stored = await session.LoadAsync<T>(id, cancellationToken).ConfigureAwait(false);
                var expected = await session.Events.AggregateStreamAsync<T>(id, token: cancellationToken).ConfigureAwait(false);
                if (Difference(stored, expected) is { } difference)
                {
                    problems.Add($"{projection} of {id}: {difference}");
                }
            }
        }

        notes.AddRange(behind.Select(b => $"{b.Key}: {b.Value} session(s) not compared, the projection has not reached their last event " +
                                          "(projections daemon or projections rebuild builds it)"));
        if (all)
        {
            await CompareAccessAsync(session, Progress(AccessProjection.Name), problems, notes, cancellationToken).ConfigureAwait(false);
        }

        return new ProjectionReport(problems, notes);
    }

    private static async Task CompareAccessAsync(IQuerySession session, long progress, List<string> problems, List<string> notes,
        CancellationToken cancellationToken)
    {
        var events = await session.Events.QueryAllRawEvents().OrderBy(e => e.Sequence).ToListAsync(cancellationToken).ConfigureAwait(false);
        if (events.Count > 0 && progress < events[^1].Sequence)
        {
            notes.Add($"{AccessProjection.Name}: not compared, it has reached event {progress} of {events[^1].Sequence} (projections daemon or projections rebuild builds it)");
            return;
        }

        var tally = new AccessTally([]);
        tally.Apply(events.Where(e => e.StreamKey is not null).Select(e => (e.StreamKey!, e.Data)));
        Compare(nameof(TableAccess), tally.Access, await session.Query<TableAccess>().ToListAsync(cancellationToken).ConfigureAwait(false), a => a.Id, problems);
        Compare(nameof(IdentityActivity), tally.Activity, await session.Query<IdentityActivity>().ToListAsync(cancellationToken).ConfigureAwait(false),
            a => a.Id, problems);
    }

    private static void Compare<T>(string name, Dictionary<string, T> expected, IReadOnlyList<T> stored, Func<T, string> idOf, List<string> problems)
        where T : class
    {
        var storedById = stored.ToDictionary(idOf, StringComparer.Ordinal);
        foreach (var id in expected.Keys.Union(storedById.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (Difference(storedById.GetValueOrDefault(id), expected.GetValueOrDefault(id)) is { } difference)
            {
                problems.Add($"{name} {id}: {difference}");
            }
        }
    }

    /// <summary>Null when the stored document is what the events give; else the first property that differs.</summary>
    private static string? Difference<T>(T? stored, T? expected) where T : class
    {
        if (stored is null && expected is null)
        {
            return null;
        }

        if (stored is null)
        {
            return "missing, though the events give one";
        }

        if (expected is null)
        {
            return "stored, though no event gives it";
        }

        var have = JsonSerializer.SerializeToNode(stored, Json)!.AsObject();
        var want = JsonSerializer.SerializeToNode(expected, Json)!.AsObject();
        foreach (var (property, value) in want)
        {
            if (!JsonNode.DeepEquals(have[property], value))
            {
                return $"{property} is {Short(have[property])} in the stored document, {Short(value)} from the events";
            }
        }

        return null;
    }

    private static string Short(JsonNode? value)
    {
        var text = value?.ToJsonString() ?? "null";
        return text.Length <= 80 ? text : text[..79] + "…";
    }
}
