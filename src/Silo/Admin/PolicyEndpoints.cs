using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrleansGate.Grains.Configuration;
using OrleansGate.Grains.Policy;
using OrleansGate.Proxy.Authentication;
using OrleansGate.Proxy.Sql;

namespace OrleansGate.Silo.Admin;

/// <summary>
/// <c>GET /policies</c>: the policy in force on each target the caller may see. <c>POST /policies/dry-run</c>: what the gateway would decide for some SQL by an identity on a
/// target, without running, recording or holding anything (<see cref="IPolicyDryRunGrain"/>).
/// Anyone may ask for themselves; administrators and auditors for any configured identity.
/// </summary>
public static class PolicyEndpoints
{
    /// <summary>The longest SQL a dry run parses.</summary>
    public const int MaxSqlLength = 100_000;

    public sealed record DryRunBody(string? Identity, string? Target, string? Sql);

    public sealed record DryRunResult(string Identity, string Target, string? Policy, IReadOnlyList<DryRunDecision> Statements);

    /// <summary>A target and the policy in force on it (null: only the built-in rules).</summary>
    public sealed record TargetPolicy(string Target, IReadOnlyList<string> Groups, Grains.Policy.PolicyOptions? Policy);

    public static void Map(RouteGroupBuilder api, IGrainFactory grains, GatewayConfiguration gateway, AdminAccess access)
    {
        // The policies in force, per target: to whoever may use the target, and to administrators and auditors.
        api.MapGet("/policies", (HttpContext context) =>
        {
            var who = AdminAuthentication.Approver(context);
            var everything = access.ReadsEverything(who);
            return Results.Ok(gateway.Current.Targets
                .Where(t => everything || IdentityDirectory.MayUse(new GatewayIdentity(who.Identity, who.Groups), t))
                .Select(t => new TargetPolicy(t.Name, t.Groups, gateway.PolicyFor(t.Name))).ToList());
        });

        var parser = new SqlParser(cacheEntries: 0);
        api.MapPost("/policies/dry-run", async (DryRunBody? body, HttpContext context) =>
        {
            var who = AdminAuthentication.Approver(context);
            if (string.IsNullOrWhiteSpace(body?.Target) || string.IsNullOrWhiteSpace(body.Sql))
            {
                return AdminResults.Error(StatusCodes.Status400BadRequest, "a target and SQL are required");
            }

            if (body.Sql.Length > MaxSqlLength)
            {
                return AdminResults.Error(StatusCodes.Status400BadRequest, $"the SQL is longer than {MaxSqlLength} characters");
            }

            var identity = string.IsNullOrWhiteSpace(body.Identity) ? who.Identity : body.Identity.Trim();
            IReadOnlyList<string> groups;
            if (identity == who.Identity)
            {
                groups = who.Groups;
            }
            else if (access.MayRead(who, identity) && gateway.Current.Identities.Find(i => i.Name == identity) is { } configured)
            {
                groups = configured.Groups;
            }
            else
            {
                return AdminResults.Error(StatusCodes.Status404NotFound, $"no identity '{identity}' you may try SQL as");
            }

            if (gateway.TargetFor(body.Target) is not { } target)
            {
                return AdminResults.Error(StatusCodes.Status404NotFound, $"no target '{body.Target}'");
            }

            if (!IdentityDirectory.MayUse(new GatewayIdentity(identity, groups), target))
            {
                return AdminResults.Error(StatusCodes.Status422UnprocessableEntity, $"identity '{identity}' may not use target '{target.Name}': its login is refused");
            }

            var decisions = await grains.GetGrain<IPolicyDryRunGrain>(0)
                .DecideAsync(new DryRunRequest(identity, groups, target.Name, parser.Parse(body.Sql))).ConfigureAwait(false);
            return Results.Ok(new DryRunResult(identity, target.Name, target.Policy, decisions));
        });
    }
}
