using System.Text.Json;
using OrleansGate.ReplayTool.Admin;

namespace OrleansGate.ReplayTool.Approvals;

/// <summary>An approval as the admin API returns it (docs/admin-api.md); only what the CLI shows.</summary>
public sealed record ApprovalItem
{
    public string Id { get; init; } = "";
    public string Session { get; init; } = "";
    public string Sql { get; init; } = "";
    public string Requester { get; init; } = "";
    public string Target { get; init; } = "";
    public string Rule { get; init; } = "";
    public IReadOnlyList<string> ApproverGroups { get; init; } = [];
    public int MinApprovals { get; init; } = 1;
    public DateTimeOffset RequestedAt { get; init; }
    public TimeSpan Age { get; init; }
    public DateTimeOffset Expires { get; init; }
    public string Status { get; init; } = "";
    public IReadOnlyList<Vote>? Approvals { get; init; }
    public Vote? Denial { get; init; }
    public DateTimeOffset? WindowUntil { get; init; }
    public DateTimeOffset? DecidedAt { get; init; }
    public string? Reason { get; init; }

    public sealed record Vote(string Approver, string? Reason, DateTimeOffset At);

    public static ApprovalItem From(JsonElement json) => json.Deserialize<ApprovalItem>(AdminClient.Json)!;
}
