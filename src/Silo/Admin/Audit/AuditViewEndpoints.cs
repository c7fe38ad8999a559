using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrleansGate.Grains.Audit.Projections;

namespace OrleansGate.Silo.Admin.Audit;

/// <summary>
/// The console's audit views, for administrators and members of <c>Admin:AuditorGroups</c> only
/// (everyone else 403): <c>GET /audit/tables</c> (the tables read most, by rows),
/// <c>GET /audit/activity</c> (masked, held and blocked statements per identity per day) and
/// <c>GET /audit/holds</c> (held requests and how each ended). Each reads a window of
/// <c>days</c> and returns at most a bounded number of rows.
/// </summary>
public static class AuditViewEndpoints
{
    public const int DefaultDays = 14;
    public const int MaxDays = 366;

    /// <summary>At most this many identity-days: a window of <see cref="MaxDays"/> for about a dozen identities.</summary>
    public const int MaxActivityRows = 5000;

    public sealed record TableRows(string Target, string Relation, long Statements, long Rows, long Masked, long Blocked, long Held);

    public sealed record Tables(int Days, IReadOnlyList<TableRows> Top, string? Behind);

    public sealed record ActivityDay(string Identity, string Day, long Statements, long Masked, long Held, long Blocked);

    public sealed record Activity(int Days, IReadOnlyList<ActivityDay> Rows, string? Behind);

    public static void Map(RouteGroupBuilder api, AuditReadModel audit, AdminAccess access, TimeProvider clock)
    {
        api.MapGet("/audit/tables", (HttpContext context, string? days, string? limit) => View(context, days, async (window, since) =>
        {
            if (!QueryArguments.TryCount(limit, 10, 100, out var top))
            {
                return AdminResults.Error(StatusCodes.Status400BadRequest, "limit: a whole number from 1 to 100");
            }

            await audit.CatchUpAsync(context.RequestAborted).ConfigureAwait(false);
            await using var connection = await audit.OpenAsync(context.RequestAborted).ConfigureAwait(false);
            return Results.Ok(new Tables(window, await AuditViewQueries.TopTablesAsync(connection, audit.Schema!, since, top,
                context.RequestAborted).ConfigureAwait(false), audit.Behind));
        }));

        api.MapGet("/audit/activity", (HttpContext context, string? days) => View(context, days, async (window, since) =>
        {
            await using var session = await audit.CurrentAsync(context.RequestAborted).ConfigureAwait(false);
            // One row per identity per day: the window bounds the days, the limit the identities.
            var firstDay = since.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            var rows = await session.QueryAsync<IdentityActivity>(
                $"where data->>'Day' >= ? order by data->>'Day', data->>'Identity' limit {MaxActivityRows}", context.RequestAborted, firstDay).ConfigureAwait(false);
            return Results.Ok(new Activity(window, [.. rows.Select(a => new ActivityDay(a.Identity, a.Day, a.Statements, a.Masked, a.Held, a.Blocked))],
                audit.Behind));
        }));

        api.MapGet("/audit/holds", (HttpContext context, string? days, string? limit) => View(context, days, async (window, since) =>
        {
            if (!QueryArguments.TryCount(limit, 50, 500, out var max))
            {
                return AdminResults.Error(StatusCodes.Status400BadRequest, "limit: a whole number from 1 to 500");
            }

            // The events themselves, not a projection: no projection keeps approvals.
            await using var connection = await audit.OpenAsync(context.RequestAborted).ConfigureAwait(false);
            return Results.Ok(await AuditViewQueries.HoldsAsync(connection, audit.Schema!, window, since, max,
                context.RequestAborted).ConfigureAwait(false));
        }));

        // Every view: auditors and administrators only, a window of whole days, a 503 when the database cannot be read.
        Task<IResult> View(HttpContext context, string? days, Func<int, DateTimeOffset, Task<IResult>> read)
        {
            if (!access.ReadsEverything(AdminAuthentication.Approver(context)))
            {
                return Task.FromResult(AdminResults.Error(StatusCodes.Status403Forbidden, "the audit views are for administrators and auditors"));
            }

            if (!QueryArguments.TryCount(days, DefaultDays, MaxDays, out var window))
            {
                return Task.FromResult(AdminResults.Error(StatusCodes.Status400BadRequest, $"days: a whole number from 1 to {MaxDays}"));
            }

            // Whole UTC days, today included: the window the per-day rows fall in.
            var since = new DateTimeOffset(clock.GetUtcNow().UtcDateTime.Date, TimeSpan.Zero).AddDays(1 - window);
            return audit.ReadAsync(() => read(window, since));
        }
    }
}
