using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrleansGate.Grains.Audit.Projections;
using OrleansGate.Grains.Sessions.Live;

namespace OrleansGate.Silo.Admin.Audit;

/// <summary>
/// <c>GET /audit/sessions</c>: the sessions of the record, ended and live, newest first, from the
/// <see cref="SessionSummary"/> projection. Filters: <c>identity</c>, <c>target</c>, <c>from</c> and
/// <c>to</c> (start time, ISO 8601), <c>decision</c> (allowed, masked, held, blocked: at least one
/// statement decided so), <c>flagged=true</c> (any statement held or blocked), <c>limit</c>.
/// Administrators and auditors read every identity's; everyone else only their own, whatever
/// <c>identity</c> says (<see cref="AdminAccess.MayRead"/>).
/// </summary>
public static class SessionHistoryEndpoints
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    /// <summary>One session of the history: its summary, and whether a proxy still serves it.</summary>
    public sealed record HistoryEntry(string Id, string Identity, string Target, string? ClientAddress, string? ApplicationName,
        DateTimeOffset Start, DateTimeOffset? End, string? EndReason, bool Live, long Statements, long Allowed, long Masked, long Held,
        long Blocked, long Failed, long RowsOut);

    /// <summary>The page of history: the entries, the bound applied, and why the projections may be behind (null: current).</summary>
    public sealed record History(IReadOnlyList<HistoryEntry> Sessions, int Limit, string? Behind);

    public static void Map(RouteGroupBuilder api, AuditReadModel audit, AdminAccess access, IGrainFactory grains)
    {
        api.MapGet("/audit/sessions", (HttpContext context, string? identity, string? target, string? from, string? to,
            string? decision, bool? flagged, string? limit) => audit.ReadAsync(async () =>
        {
            var who = AdminAuthentication.Approver(context);
            if (!QueryArguments.TryTime(from, out var since) || !QueryArguments.TryTime(to, out var until))
            {
                return AdminResults.Error(StatusCodes.Status400BadRequest, "from and to: give a time as ISO 8601, e.g. 2026-12-07T10:00:00Z");
            }

            if (!QueryArguments.TryCount(limit, DefaultLimit, MaxLimit, out var max))
            {
                return AdminResults.Error(StatusCodes.Status400BadRequest, $"limit: a whole number from 1 to {MaxLimit}");
            }

            if (decision is { Length: > 0 } && !SessionSummaryFilter.Decisions.Contains(decision))
            {
                return AdminResults.Error(StatusCodes.Status400BadRequest, $"decision: one of {string.Join(", ", SessionSummaryFilter.Decisions)}");
            }

            // Fail closed: whoever reads only their own record is filtered to it, not trusted to ask for it.
            var everything = access.ReadsEverything(who);
            var asked = string.IsNullOrWhiteSpace(identity) ? null : identity.Trim();
            if (!everything && asked is not null && asked != who.Identity)
            {
                return Results.Ok(new History([], max, null));
            }

            var whose = everything ? asked : who.Identity;
            await using var session = await audit.CurrentAsync(context.RequestAborted).ConfigureAwait(false);
            var filter = new SessionSummaryFilter(whose, string.IsNullOrWhiteSpace(target) ? null : target.Trim(), since, until, decision,
                flagged == true);
            var query = filter.Apply(session.Query<SessionSummary>());

            var rows = await query.OrderByDescending(s => s.Start).Take(max).ToListAsync(context.RequestAborted).ConfigureAwait(false);
            var live = await LiveIdsAsync(grains).ConfigureAwait(false);
            return Results.Ok(new History([.. rows.Select(s => new HistoryEntry(s.Id, s.Identity, s.Target, s.ClientAddress, s.ApplicationName,
                s.Start, s.End, s.EndReason, s.End is null && live.Contains(s.Id), s.Statements, s.Allowed, s.Masked, s.Held, s.Blocked,
                s.Failed, s.RowsOut))], max, audit.Behind));
        }));
    }

    // "Live" is what the proxies serve now, not "no SessionEnded yet": a crashed proxy's session has neither.
    private static async Task<HashSet<string>> LiveIdsAsync(IGrainFactory grains)
    {
        try
        {
            return (await grains.GetGrain<ISessionDirectoryGrain>(0).ListAsync().ConfigureAwait(false)).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        }
#pragma warning disable CA1031 // The history does not depend on the directory: without it, nothing shows as live.
        catch (Exception)
#pragma warning restore CA1031
        {
            return [];
        }
    }
}
