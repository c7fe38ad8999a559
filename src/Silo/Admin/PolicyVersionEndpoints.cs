using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansGate.Grains.Configuration;
using OrleansGate.Grains.Policy.Versions;

namespace OrleansGate.Silo.Admin;

/// <summary>
/// Versioned editing of the policies (docs/policies.md#versions, docs/admin-api.md):
/// <c>GET /policies/versions</c>, <c>GET /policies/versions/{n}</c> (the document and what changed
/// from its base), <c>POST /policies/versions</c> (a new version: the whole document, or one
/// policy's masks and rules) and <c>POST /policies/versions/{n}/rollback</c> (a new version with
/// version n's content). Editors are administrators and <c>Admin:PolicyEditorGroups</c>; they,
/// administrators and auditors read. Everyone else gets 403. A policy editor who is not an
/// administrator may not loosen what protects data (<see cref="PolicyLoosening"/>: 403 naming each
/// change), and no identity named like the file's versions' author (<c>file</c>) may record one.
/// </summary>
public static partial class PolicyVersionEndpoints
{
    /// <summary>The body of a new version: the whole <c>Policies</c> array, or <c>Policy</c> with its <c>Masks</c> and/or <c>Rules</c>.</summary>
    public sealed record EditBody(int? BaseVersion, string? Reason, JsonArray? Policies, string? Policy, JsonArray? Masks, JsonArray? Rules);

    public sealed record RollbackBody(int? BaseVersion, string? Reason);

    /// <summary>A version as listed: everything but the document.</summary>
    /// <param name="Sealed">Whether the row's seal verifies: false for a row the gateway did not record (it is never put in force).</param>
    public sealed record VersionSummary(int Version, string Author, DateTimeOffset At, string Reason, int? BasedOn, int? RestoredFrom, bool InForce,
        bool Sealed);

    public sealed record VersionList(int? InForce, IReadOnlyList<VersionSummary> Versions);

    /// <summary>A version with its document and what changed from the version it was based on.</summary>
    public sealed record VersionDocument(VersionSummary Version, JsonNode? Policies, IReadOnlyList<string> Changes);

    /// <summary>A refused edit: the first line as <c>error</c>, every problem in <c>problems</c>.</summary>
    public sealed record ProblemsDocument(string Error, IReadOnlyList<string> Problems, int? Newest = null);

    public const int MaxReasonLength = 2000;

    public static void Map(RouteGroupBuilder api, PolicyVersionStore store, PolicyVersionRecorder recorder, GatewayConfiguration gateway,
        AdminAccess access, ILogger logger)
    {
        // A version store that cannot be read is 503, its message logged and not returned (it can name hosts and users).
        var versions = api.MapGroup("").AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await next(context).ConfigureAwait(false);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                LogUnreadable(logger, e.Message.ReplaceLineEndings(" "));
                return AdminResults.Error(StatusCodes.Status503ServiceUnavailable,
                    "the policy versions cannot be read (the silo's log says why); try again later");
            }
        });
        MapReads(versions, store, recorder, gateway, access);
        MapEdits(versions, store, recorder, gateway, access);
    }

    private static void MapReads(RouteGroupBuilder api, PolicyVersionStore store, PolicyVersionRecorder recorder, GatewayConfiguration gateway,
        AdminAccess access)
    {
        api.MapGet("/policies/versions", async (HttpContext context) =>
        {
            if (!access.MayReadPolicyVersions(AdminAuthentication.Approver(context)))
            {
                return Forbidden("reading policy versions");
            }

            var versions = await store.ListAsync(context.RequestAborted).ConfigureAwait(false);
            var inForce = gateway.PolicyVersion?.Number;
            return Results.Ok(new VersionList(inForce, versions.Select(v => Summary(v, inForce, recorder.Seal)).ToList()));
        });

        api.MapGet("/policies/versions/{number:int}", async (int number, HttpContext context) =>
        {
            if (!access.MayReadPolicyVersions(AdminAuthentication.Approver(context)))
            {
                return Forbidden("reading policy versions");
            }

            if (await store.GetAsync(number, context.RequestAborted).ConfigureAwait(false) is not { } version)
            {
                return AdminResults.Error(StatusCodes.Status404NotFound, $"no policy version {number}");
            }

            var basis = version.BasedOn is { } b ? await store.GetAsync(b, context.RequestAborted).ConfigureAwait(false) : null;
            var summary = Summary(version, gateway.PolicyVersion?.Number, recorder.Seal);
            try
            {
                return Results.Ok(new VersionDocument(summary, JsonNode.Parse(version.Document), PolicyDiff.Between(basis?.Document, version.Document)));
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException)
            {
                // A row the gateway did not write (it is not sealed and never in force) can hold anything: shown without its document.
                return Results.Ok(new VersionDocument(summary, null, [$"the stored document is not a policies array: {e.Message.ReplaceLineEndings(" ")}"]));
            }
        });
    }

    private static VersionSummary Summary(PolicyVersion v, int? inForce, PolicyVersionSeal seal) =>
        new(v.Number, v.Author, v.At, v.Reason, v.BasedOn, v.RestoredFrom, v.Number == inForce, seal.Verifies(v));

    private static IResult Forbidden(string what) =>
        AdminResults.Error(StatusCodes.Status403Forbidden, $"{what} is for administrators and Admin:PolicyEditorGroups");

    [LoggerMessage(Level = LogLevel.Error, Message = "Policy versions: the version store cannot be read: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string reason);
}
