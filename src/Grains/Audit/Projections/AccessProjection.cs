using System.Globalization;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using OrleansGate.Grains.Audit.Events;
using OrleansGate.Grains.Policy;

namespace OrleansGate.Grains.Audit.Projections;

/// <summary>
/// Builds <see cref="IdentityActivity"/> and <see cref="TableAccess"/>, which cut across sessions.
/// Only SessionStarted names the identity and only StatementReceived names the relations, so the
/// projection keeps a small <see cref="AccessCursor"/> per live session to attribute the later
/// events. Counts are applied as deltas: one load of the touched documents per batch, one store.
/// </summary>
public sealed class AccessProjection : IProjection
{
    public const string Name = "AccessProjection";

    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var streamIds = events.Select(e => e.StreamKey).OfType<string>().Distinct().ToList();
        var cursors = (await operations.LoadManyAsync<AccessCursor>(cancellation, streamIds).ConfigureAwait(false))
            .ToDictionary(c => c.Id);
        var changedCursors = new HashSet<string>();
        var endedCursors = new HashSet<string>();
        var activity = new Dictionary<string, IdentityActivity>();
        var access = new Dictionary<string, TableAccess>();

        IdentityActivity Activity(AccessCursor cursor, DateTimeOffset at)
        {
            var day = at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var id = IdentityActivity.IdOf(cursor.Identity, day);
            if (!activity.TryGetValue(id, out var delta))
            {
                activity[id] = delta = new IdentityActivity { Id = id, Identity = cursor.Identity, Day = day };
            }

            return delta;
        }

        TableAccess Access(AccessCursor cursor, string relation, DateTimeOffset at)
        {
            var id = TableAccess.IdOf(cursor.Target, relation, cursor.Identity);
            if (!access.TryGetValue(id, out var delta))
            {
                access[id] = delta = new TableAccess { Id = id, Target = cursor.Target, Relation = relation, Identity = cursor.Identity, FirstAt = at };
            }

            delta.LastAt = at;
            return delta;
        }

        foreach (var e in events)
        {
            if (e.StreamKey is not { } sessionId)
            {
                continue;
            }

            if (e.Data is SessionStarted started)
            {
                var cursor = new AccessCursor { Id = sessionId, Identity = started.Identity, Target = started.Target };
                cursors[sessionId] = cursor;
                changedCursors.Add(sessionId);
                Activity(cursor, started.At).Sessions++;
                continue;
            }

            if (!cursors.TryGetValue(sessionId, out var current))
            {
                continue; // a stream without its start (or already ended): nothing to attribute it to
            }

            switch (e.Data)
            {
                case StatementReceived received:
                    Activity(current, received.At).Statements++;
                    foreach (var relation in received.RelationsRead)
                    {
                        Access(current, relation, received.At).Reads++;
                    }

                    foreach (var relation in received.RelationsWritten)
                    {
                        Access(current, relation, received.At).Writes++;
                    }

                    current.Pending[received.Sequence.ToString(CultureInfo.InvariantCulture)] =
                        [.. received.RelationsRead.Concat(received.RelationsWritten).Distinct()];
                    changedCursors.Add(sessionId);
                    break;

                case DecisionMade decision:
                    var day = Activity(current, decision.At);
                    switch (decision.Action)
                    {
                        case PolicyAction.Allow: day.Allowed++; break;
                        case PolicyAction.Mask: day.Masked++; break;
                        case PolicyAction.Hold: day.Held++; break;
                        case PolicyAction.Block: day.Blocked++; break;
                    }

                    var key = decision.Sequence.ToString(CultureInfo.InvariantCulture);
                    if (current.Pending.Remove(key, out var relations))
                    {
                        changedCursors.Add(sessionId);
                        foreach (var relation in relations)
                        {
                            var table = Access(current, relation, decision.At);
                            switch (decision.Action)
                            {
                                case PolicyAction.Mask: table.Masked++; break;
                                case PolicyAction.Hold: table.Held++; break;
                                case PolicyAction.Block: table.Blocked++; break;
                            }
                        }
                    }

                    break;

                case SessionEnded:
                    cursors.Remove(sessionId);
                    endedCursors.Add(sessionId);
                    break;
            }
        }

        await MergeAsync(operations, activity, cancellation).ConfigureAwait(false);
        await MergeAsync(operations, access, cancellation).ConfigureAwait(false);
        foreach (var id in changedCursors)
        {
            if (cursors.TryGetValue(id, out var cursor))
            {
                operations.Store(cursor);
            }
        }

        foreach (var id in endedCursors)
        {
            operations.Delete<AccessCursor>(id);
        }
    }

    private static Task MergeAsync(IDocumentOperations operations, Dictionary<string, IdentityActivity> deltas, CancellationToken cancellation) =>
        MergeAsync(operations, deltas, a => a.Id, (delta, existing) =>
        {
            delta.Sessions += existing.Sessions;
            delta.Statements += existing.Statements;
            delta.Allowed += existing.Allowed;
            delta.Masked += existing.Masked;
            delta.Held += existing.Held;
            delta.Blocked += existing.Blocked;
        }, cancellation);

    private static Task MergeAsync(IDocumentOperations operations, Dictionary<string, TableAccess> deltas, CancellationToken cancellation) =>
        MergeAsync(operations, deltas, a => a.Id, (delta, existing) =>
        {
            delta.Reads += existing.Reads;
            delta.Writes += existing.Writes;
            delta.Masked += existing.Masked;
            delta.Held += existing.Held;
            delta.Blocked += existing.Blocked;
            delta.FirstAt = existing.FirstAt < delta.FirstAt ? existing.FirstAt : delta.FirstAt;
            delta.LastAt = existing.LastAt > delta.LastAt ? existing.LastAt : delta.LastAt;
        }, cancellation);

    // This batch's counts are added to what is stored, with one load and one store per batch.
    private static async Task MergeAsync<TDocument>(IDocumentOperations operations, Dictionary<string, TDocument> deltas,
        Func<TDocument, string> idOf, Action<TDocument, TDocument> addStored, CancellationToken cancellation)
        where TDocument : notnull
    {
        if (deltas.Count == 0)
        {
            return;
        }

        foreach (var existing in await operations.LoadManyAsync<TDocument>(cancellation, deltas.Keys).ConfigureAwait(false))
        {
            addStored(deltas[idOf(existing)], existing);
        }

        operations.Store(deltas.Values.ToArray());
    }
}
