using System.Text.Json.Nodes;
using OrleansGate.Grains.Approvals;

namespace OrleansGate.Silo.Admin.Slack;

/// <summary>
/// An approval event as a Slack message (<c>Webhook:Format = Slack</c>): a new request with its SQL
/// and Approve / Deny buttons (whose value is the request's id, which the callback names); an
/// outcome as one line. Slack renders the text it is given: every value goes in as mrkdwn-escaped text.
/// </summary>
public static class SlackMessage
{
    public const string ApproveAction = "approve";
    public const string DenyAction = "deny";

    /// <summary>Slack keeps at most 3000 characters of a section's text.</summary>
    private const int MaxSql = 2800;

    public static JsonObject For(ApprovalEvent e)
    {
        if (e.Event != ApprovalEvent.Requested)
        {
            var by = e.Approver is null ? string.Empty : $" by {Escape(e.Approver)}";
            var why = string.IsNullOrEmpty(e.Reason) ? string.Empty : $": {Escape(e.Reason)}";
            return new JsonObject { ["text"] = $"Approval `{e.Id}` of {Escape(e.Requester)} on {Escape(e.Target)}: {e.Event}{by}{why}" };
        }

        var sql = string.Join(";\n", e.Sql);
        if (sql.Length > MaxSql)
        {
            sql = sql[..MaxSql] + "…";
        }

        var summary = $"Statement held for approval `{e.Id}`: *{Escape(e.Requester)}* on *{Escape(e.Target)}* (rule {Escape(e.Rule)})";
        return new JsonObject
        {
            ["text"] = summary,
            ["blocks"] = new JsonArray(
                new JsonObject { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = summary } },
                new JsonObject { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = "```" + sql.Replace("```", "'''", StringComparison.Ordinal) + "```" } },
                new JsonObject
                {
                    ["type"] = "actions",
                    ["block_id"] = "approval",
                    ["elements"] = new JsonArray(
                        Button("Approve", ApproveAction, "primary", e.Id),
                        Button("Deny", DenyAction, "danger", e.Id)),
                }),
        };
    }

    private static JsonObject Button(string text, string action, string style, string id) => new()
    {
        ["type"] = "button",
        ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = text },
        ["style"] = style,
        ["action_id"] = action,
        ["value"] = id,
    };

    // Slack's three control characters in mrkdwn text.
    private static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
