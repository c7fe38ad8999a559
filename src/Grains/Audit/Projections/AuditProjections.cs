using JasperFx.Events.Projections;
using Marten;

namespace OrleansGate.Grains.Audit.Projections;

/// <summary>
/// The audit projections and how they run. All are asynchronous: an inline projection runs inside
/// the group commit of <see cref="MartenAuditLog"/>, so it would add a read and a write of every
/// touched session's document to the commit every statement waits for, and a projection fault
/// would refuse statements. Only the replay tool registers them: it creates their tables and builds
/// them (<c>projections rebuild</c>, <c>projections daemon</c>, and a catch-up before it lists); the
/// silo only appends.
/// </summary>
public static class AuditProjections
{
    public const string Timeline = "SessionTimeline";
    public const string Summary = "SessionSummary";

    /// <summary>Projection names in the order a rebuild runs them.</summary>
    public static readonly IReadOnlyList<string> Names = [Summary, Timeline, AccessProjection.Name];

    public static void Register(StoreOptions store)
    {
        store.Projections.Add(new SessionSummaryProjection(), ProjectionLifecycle.Async);
        store.Projections.Add(new SessionTimelineProjection(), ProjectionLifecycle.Async);
        store.Projections.Add(new AccessProjection(), ProjectionLifecycle.Async, AccessProjection.Name);
        store.Schema.For<SessionSummary>().Index(x => x.Identity).Index(x => x.Start);
        store.Schema.For<IdentityActivity>();
        store.Schema.For<TableAccess>();
        store.Schema.For<AccessCursor>();
    }
}
