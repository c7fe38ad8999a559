using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrleansGate.Grains.Approvals;

namespace OrleansGate.Silo.Admin;

/// <summary>
/// <c>GET /approvals</c>, <c>GET /approvals/{id}</c>, <c>POST /approvals/{id}/approve</c>,
/// <c>POST /approvals/{id}/deny</c>. The approver is the identity of the bearer token; it sees
/// only the requests <see cref="AdminAccess"/> shows it, and the approval grain decides whether it
/// may decide one (never its own request, only approver groups).
/// </summary>
public static class ApprovalEndpoints
{
    public static void Map(RouteGroupBuilder api, IGrainFactory grains, TimeProvider clock, ApprovalProofs proofs, AdminAccess access)
    {
        api.MapGet("/approvals", async (HttpContext context) =>
        {
            var who = AdminAuthentication.Approver(context);
            var pending = await grains.GetGrain<IApprovalIndexGrain>(0).PendingAsync().ConfigureAwait(false);
            var now = clock.GetUtcNow();
            return Results.Ok(pending.Where(r => access.MaySee(who, r)).OrderBy(r => r.RequestedAt).Select(r => ApprovalDocument.Pending(r, now)).ToList());
        });

        api.MapGet("/approvals/{id}", async (string id, HttpContext context) =>
            await VisibleAsync(id, context).ConfigureAwait(false) is { } view
                ? Results.Ok(ApprovalDocument.Of(view, clock.GetUtcNow()))
                : UnknownApproval(id));

        api.MapPost("/approvals/{id}/approve", async (string id, ApproveBody? body, HttpContext context) =>
        {
            TimeSpan? window = null;
            if (!string.IsNullOrWhiteSpace(body?.Window))
            {
                if (!TimeSpan.TryParse(body.Window, CultureInfo.InvariantCulture, out var parsed) || parsed <= TimeSpan.Zero)
                {
                    return AdminResults.Error(StatusCodes.Status400BadRequest, $"window '{Shown(body.Window)}' is not a positive duration (hh:mm:ss)");
                }

                if (parsed > ApprovalLimits.MaxWindow)
                {
                    return AdminResults.Error(StatusCodes.Status400BadRequest,
                        $"window '{body.Window}' is longer than the longest allowed, {ApprovalLimits.MaxWindow.TotalDays:0} days");
                }

                window = parsed;
            }

            if (ApprovalLimits.ReasonProblem(body?.Reason) is { } tooLong)
            {
                return AdminResults.Error(StatusCodes.Status400BadRequest, tooLong);
            }

            return await DecideAsync(id, context, grain => grain.ApproveAsync(proofs.Vouch(id, AdminAuthentication.Approver(context)), Blank(body?.Reason), window))
                .ConfigureAwait(false);
        });

        api.MapPost("/approvals/{id}/deny", async (string id, DenyBody? body, HttpContext context) =>
        {
            if (Blank(body?.Reason) is not { } reason)
            {
                return AdminResults.Error(StatusCodes.Status400BadRequest, "a reason is required to deny");
            }

            if (ApprovalLimits.ReasonProblem(reason) is { } tooLong)
            {
                return AdminResults.Error(StatusCodes.Status400BadRequest, tooLong);
            }

            return await DecideAsync(id, context, grain => grain.DenyAsync(proofs.Vouch(id, AdminAuthentication.Approver(context)), reason)).ConfigureAwait(false);
        });

        // The request, when it exists and this identity may see it.
        async Task<ApprovalView?> VisibleAsync(string id, HttpContext context) =>
            await grains.GetGrain<IApprovalGrain>(id).GetAsync().ConfigureAwait(false) is { } view
            && access.MaySee(AdminAuthentication.Approver(context), view.Request)
                ? view
                : null;

        async Task<IResult> DecideAsync(string id, HttpContext context, Func<IApprovalGrain, Task<ApprovalView>> decide)
        {
            var grain = grains.GetGrain<IApprovalGrain>(id);
            var before = await VisibleAsync(id, context).ConfigureAwait(false);
            if (before is null)
            {
                return UnknownApproval(id);
            }

            if (!before.IsPending)
            {
                return NoLongerPending(before);
            }

            try
            {
                return Results.Ok(ApprovalDocument.Of(await decide(grain).ConfigureAwait(false), clock.GetUtcNow()));
            }
            catch (ApprovalRefusedException e)
            {
                // Decided (or expired) by someone else meanwhile: a conflict, not a refusal of this approver.
                var now = await grain.GetAsync().ConfigureAwait(false);
                return now is { IsPending: false } ? NoLongerPending(now) : AdminResults.Error(StatusCodes.Status403Forbidden, e.Message);
            }
        }
    }

    /// <summary>A value from the request, cut short for an error message.</summary>
    private static string Shown(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static IResult UnknownApproval(string id) => AdminResults.Error(StatusCodes.Status404NotFound, $"no approval request '{id}'");

    private static IResult NoLongerPending(ApprovalView view) =>
        AdminResults.Error(StatusCodes.Status409Conflict, $"approval {view.Request.Id} is no longer pending: it is {ApprovalDocument.StatusName(view.Status)}");
}
