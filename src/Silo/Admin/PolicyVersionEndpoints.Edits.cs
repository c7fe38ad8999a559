using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrleansGate.Grains.Configuration;
using OrleansGate.Grains.Policy.Versions;

namespace OrleansGate.Silo.Admin;

/// <summary>
/// Recording versions: an edit (<c>POST /policies/versions</c>) or a rollback, each checked for who
/// may make it — an editor, not posing as the file, and an administrator for anything that loosens
/// protection — and answered from the recorder's outcome.
/// </summary>
public static partial class PolicyVersionEndpoints
{
    private static void MapEdits(RouteGroupBuilder api, PolicyVersionStore store, PolicyVersionRecorder recorder, GatewayConfiguration gateway,
        AdminAccess access)
    {
        api.MapPost("/policies/versions", async (EditBody? body, HttpContext context) =>
        {
            var who = AdminAuthentication.Approver(context);
            if (!access.MayEditPolicies(who))
            {
                return Forbidden("editing policies");
            }

            if (PosesAsFile(who) is { } posing)
            {
                return posing;
            }

            if (Missing(body?.BaseVersion, body?.Reason) is { } missing)
            {
                return missing;
            }

            string document;
            if (body!.Policies is { } whole)
            {
                document = whole.ToJsonString();
            }
            else if (!string.IsNullOrWhiteSpace(body.Policy) && (body.Masks is not null || body.Rules is not null))
            {
                // One policy's masks and rules replaced in the base version's document; the rest as it was.
                if (await store.GetAsync(body.BaseVersion!.Value, context.RequestAborted).ConfigureAwait(false) is not { } basis)
                {
                    return AdminResults.Error(StatusCodes.Status409Conflict, $"there is no version {body.BaseVersion} to edit");
                }

                if (!recorder.Seal.Verifies(basis))
                {
                    return Answer(new PolicyEditOutcome.Unverified(basis.Number), gateway, recorder.Seal);
                }

                var policies = JsonNode.Parse(basis.Document)!.AsArray();
                if (policies.OfType<JsonObject>().FirstOrDefault(p => (string?)p["Name"] == body.Policy) is not { } policy)
                {
                    return AdminResults.Error(StatusCodes.Status404NotFound, $"version {basis.Number} has no policy '{body.Policy}'");
                }

                if (body.Masks is not null)
                {
                    policy["Masks"] = body.Masks.DeepClone();
                }

                if (body.Rules is not null)
                {
                    policy["Rules"] = body.Rules.DeepClone();
                }

                document = policies.ToJsonString();
            }
            else
            {
                return AdminResults.Error(StatusCodes.Status400BadRequest, "give policies (the whole document), or policy with masks and/or rules");
            }

            var outcome = await recorder.RecordAsync(
                new PolicyEdit(document, who.Identity, body.Reason!.Trim(), body.BaseVersion!.Value, ByAdministrator: access.IsAdmin(who)),
                context.RequestAborted).ConfigureAwait(false);
            return Answer(outcome, gateway, recorder.Seal);
        });

        api.MapPost("/policies/versions/{number:int}/rollback", async (int number, RollbackBody? body, HttpContext context) =>
        {
            var who = AdminAuthentication.Approver(context);
            if (!access.MayEditPolicies(who))
            {
                return Forbidden("rolling policies back");
            }

            if (PosesAsFile(who) is { } posing)
            {
                return posing;
            }

            if (Missing(body?.BaseVersion, body?.Reason) is { } missing)
            {
                return missing;
            }

            if (await store.GetAsync(number, context.RequestAborted).ConfigureAwait(false) is not { } version)
            {
                return AdminResults.Error(StatusCodes.Status404NotFound, $"no policy version {number}");
            }

            if (!recorder.Seal.Verifies(version))
            {
                // Restoring a row the gateway did not record would put its content in force under a valid seal.
                return AdminResults.Error(StatusCodes.Status409Conflict,
                    $"version {number} is not sealed: the gateway did not record it, so it cannot be restored (docs/policies.md#versions)");
            }

            var outcome = await recorder.RecordAsync(
                new PolicyEdit(version.Document, who.Identity, body!.Reason!.Trim(), body.BaseVersion!.Value, RestoredFrom: number,
                    ByAdministrator: access.IsAdmin(who)),
                context.RequestAborted).ConfigureAwait(false);
            return Answer(outcome, gateway, recorder.Seal);
        });
    }

    private static IResult? Missing(int? baseVersion, string? reason) =>
        baseVersion is null ? AdminResults.Error(StatusCodes.Status400BadRequest, "baseVersion is required: the version you edited (the newest)")
        : string.IsNullOrWhiteSpace(reason) ? AdminResults.Error(StatusCodes.Status400BadRequest, "a reason is required")
        : reason.Length > MaxReasonLength ? AdminResults.Error(StatusCodes.Status400BadRequest, $"the reason is longer than {MaxReasonLength} characters")
        : null;

    /// <summary>
    /// 403 for an identity named like the author of the file's versions: its edits would read as the
    /// file's in the history, and the file's last version decides whether a changed file is recorded.
    /// </summary>
    private static IResult? PosesAsFile(Grains.Approvals.Approver who) =>
        string.Equals(who.Identity, PolicyVersion.FileAuthor, StringComparison.OrdinalIgnoreCase)
            ? AdminResults.Error(StatusCodes.Status403Forbidden,
                $"the identity '{who.Identity}' may not record policy versions: '{PolicyVersion.FileAuthor}' is the reserved author of the configuration file's versions")
            : null;

    private static IResult Answer(PolicyEditOutcome outcome, GatewayConfiguration gateway, PolicyVersionSeal seal) => outcome switch
    {
        PolicyEditOutcome.Recorded r => Results.Json(
            new VersionDocument(Summary(r.Version, gateway.PolicyVersion?.Number, seal), JsonNode.Parse(r.Version.Document), r.Changes),
            statusCode: StatusCodes.Status201Created),
        PolicyEditOutcome.Invalid i => Results.Json(new ProblemsDocument(string.Join("\n", i.Problems), i.Problems),
            statusCode: StatusCodes.Status400BadRequest),
        PolicyEditOutcome.Stale s => Results.Json(new ProblemsDocument(
            $"version {s.Newest} is the newest now: your edit was based on an older one (reload, then edit again)", [], s.Newest),
            statusCode: StatusCodes.Status409Conflict),
        PolicyEditOutcome.Unchanged u => Results.Json(new ProblemsDocument($"nothing changed: the document is version {u.Newest}'s", [], u.Newest),
            statusCode: StatusCodes.Status400BadRequest),
        // The reason is in the silo's log, not here: a store's message can name hosts and users.
        PolicyEditOutcome.NotRecorded => AdminResults.Error(StatusCodes.Status503ServiceUnavailable,
            "the audit store could not record the change, so it was not made (the silo's log says why); try again later"),
        PolicyEditOutcome.NeedsAdministrator a => Results.Json(new ProblemsDocument(
            $"only an administrator may loosen what protects data: {string.Join("; ", a.Loosened)}", a.Loosened),
            statusCode: StatusCodes.Status403Forbidden),
        PolicyEditOutcome.Unverified u => Results.Json(new ProblemsDocument(
            $"the newest stored version, {u.Newest}, is not sealed: the gateway did not record it, so nothing is based on it " +
            "(an administrator removes the row; docs/policies.md#versions)", [], u.Newest),
            statusCode: StatusCodes.Status409Conflict),
        _ => throw new InvalidOperationException(outcome.GetType().Name),
    };
}
