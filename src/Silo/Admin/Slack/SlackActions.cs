using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using OrleansGate.Grains.Approvals;
using OrleansGate.Grains.Configuration;

namespace OrleansGate.Silo.Admin.Slack;

/// <summary>
/// <c>POST /slack/actions</c>: Slack's interactive callback when someone presses Approve or Deny
/// on a held statement's message. It acts only when Slack signed it (<see cref="SlackSignature"/>)
/// and the Slack user is mapped to a gateway identity (<c>Admin:Slack:Users</c>); the approval
/// grain then decides as for any approver of the API (approver groups, four eyes, not one's own).
/// Anything else changes nothing and is logged.
/// </summary>
public static partial class SlackActions
{
    /// <summary>Slack's payloads are small; anything longer is not one.</summary>
    private const int MaxBody = 64 * 1024;

    public static void Map(IEndpointRouteBuilder app, SlackOptions slack, GatewayConfiguration gateway, IGrainFactory grains, ApprovalProofs proofs,
        TimeProvider clock, ILogger logger)
    {
        app.MapPost("/slack/actions", async (HttpContext context) =>
        {
            if (!slack.Enabled)
            {
                return AdminResults.Error(StatusCodes.Status404NotFound, "approvals from Slack are not configured (Admin:Slack)");
            }

            var body = await ReadAsync(context.Request).ConfigureAwait(false);
            if (body is null)
            {
                return AdminResults.Error(StatusCodes.Status413PayloadTooLarge, "not a Slack payload");
            }

            if (SlackSignature.Problem(slack.SigningSecret!, context.Request.Headers[SlackSignature.TimestampHeader],
                    context.Request.Headers[SlackSignature.SignatureHeader], body, clock.GetUtcNow()) is { } problem)
            {
                LogRefused(logger, problem);
                return AdminResults.Error(StatusCodes.Status401Unauthorized, problem);
            }

            if (Action(body) is not var (user, action, id))
            {
                LogRefused(logger, "a signed payload that is not a button press on an approval");
                return AdminResults.Error(StatusCodes.Status400BadRequest, "not an Approve or Deny action");
            }

            var identity = slack.Users.GetValueOrDefault(user) is { } name
                ? gateway.Current.Identities.Find(i => string.Equals(i.Name, name, StringComparison.Ordinal))
                : null;
            if (identity is null)
            {
                LogUnmapped(logger, user, action, id);
                return Reply(StatusCodes.Status403Forbidden, "Your Slack user is not mapped to a gateway identity: nothing was changed.");
            }

            var approver = new Approver(identity.Name, [.. identity.Groups]);
            var grain = grains.GetGrain<IApprovalGrain>(id);
            try
            {
                var view = action == SlackMessage.ApproveAction
                    ? await grain.ApproveAsync(proofs.Vouch(id, approver), "approved in Slack", null).ConfigureAwait(false)
                    : await grain.DenyAsync(proofs.Vouch(id, approver), $"denied in Slack by {identity.Name}").ConfigureAwait(false);
                LogDecided(logger, identity.Name, user, action, id);
                return Reply(StatusCodes.Status200OK, $"{(action == SlackMessage.ApproveAction ? "Approved" : "Denied")} {id} as {identity.Name}: it is now {ApprovalDocument.StatusName(view.Status)}.");
            }
            catch (ApprovalRefusedException e)
            {
                LogRefused(logger, $"{identity.Name} ({user}) on {id}: {e.Message}");
                return Reply(StatusCodes.Status403Forbidden, $"Not done: {e.Message}");
            }
        });
    }

    private static IResult Reply(int status, string text) =>
        Results.Json(new Dictionary<string, string> { ["response_type"] = "ephemeral", ["text"] = text }, statusCode: status);

    private static async Task<byte[]?> ReadAsync(HttpRequest request)
    {
        if (request.ContentLength > MaxBody)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBody)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>The user, action (approve or deny) and approval id of a block_actions payload; null for anything else.</summary>
    private static (string User, string Action, string Id)? Action(byte[] body)
    {
        try
        {
            var form = QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body));
            if (!form.TryGetValue("payload", out var payload))
            {
                return null;
            }

            using var json = JsonDocument.Parse(payload.ToString());
            var root = json.RootElement;
            var user = root.GetProperty("user").GetProperty("id").GetString();
            var first = root.GetProperty("actions")[0];
            var action = first.GetProperty("action_id").GetString();
            var id = first.GetProperty("value").GetString();
            return root.GetProperty("type").GetString() == "block_actions" && user is { Length: > 0 } && id is { Length: > 0 }
                   && action is SlackMessage.ApproveAction or SlackMessage.DenyAction
                ? (user, action, id)
                : null;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slack: callback refused, nothing changed: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slack: user {User} is not mapped to a gateway identity; {Action} of {Approval} not done")]
    private static partial void LogUnmapped(ILogger logger, string user, string action, string approval);

    [LoggerMessage(Level = LogLevel.Information, Message = "Slack: {Identity} (Slack user {User}) chose {Action} on {Approval}")]
    private static partial void LogDecided(ILogger logger, string identity, string user, string action, string approval);
}
