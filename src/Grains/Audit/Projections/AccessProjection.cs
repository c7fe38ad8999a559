using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace OrleansGate.Grains.Audit.Projections;

/// <summary>
/// Builds <see cref="IdentityActivity"/> and <see cref="TableAccess"/>, which cut across sessions.
/// Only SessionStarted names the identity and only StatementReceived names the relations, so the
/// projection keeps a small <see cref="AccessCursor"/> per live session to attribute the later
/// events. Counts (<see cref="AccessTally"/>) are applied as deltas: one load of the touched
/// documents per batch, one store.
/// </summary>
public sealed class AccessProjection : IProjection
{
    public const string Name = "AccessProjection";

    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var streamIds = events.Select(e => e.StreamKey).OfType<string>().Distinct().ToList();
        var cursors = (await operations.LoadManyAsync<AccessCursor>(cancellation, streamIds).ConfigureAwait(false))
            .ToDictionary(c => c.Id);
        var tally = new AccessTally(cursors);
        tally.Apply(events.Where(e => e.StreamKey is not null).Select(e => (e.StreamKey!, e.Data)));

        await MergeAsync(operations, tally.Activity, cancellation).ConfigureAwait(false);
        await MergeAsync(operations, tally.Access, cancellation).ConfigureAwait(false);
        foreach (var id in tally.ChangedCursors)
        {
            if (cursors.TryGetValue(id, out var cursor))
            {
                operations.Store(cursor);
            }
        }

        foreach (var id in tally.EndedCursors)
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
