using System.Text.Json.Serialization;
using OrleansGate.Grains.Approvals;

namespace OrleansGate.Silo.Admin;

/// <summary>An approval as the admin API shows it (camelCase JSON). A listing leaves out what only <c>GET /approvals/{id}</c> shows.</summary>
public sealed record ApprovalDocument
{
    public required string Id { get; init; }

    public required string Session { get; init; }

    /// <summary>
    /// The held statements as an approver must read them (<see cref="HeldStatementText"/>: what an
    /// EXECUTE or FETCH runs and the bound parameter values follow each, as comments), joined with ";\n".
    /// </summary>
    public required string Sql { get; init; }

    /// <summary>The held statements' own SQL, in order.</summary>
    public required IReadOnlyList<string> Statements { get; init; }

    /// <summary>For each statement, what an EXECUTE or FETCH runs (null for others).</summary>
    public required IReadOnlyList<string?> Runs { get; init; }

    /// <summary>For each statement, its bound parameter values as text (null: SQL NULL).</summary>
    public required IReadOnlyList<IReadOnlyList<string?>> Parameters { get; init; }

    /// <summary>For each statement, the planner's row estimate when a bulk-read rule asked for one; absent when none has one.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<long?>? EstimatedRows { get; init; }

    public required string Requester { get; init; }

    public required string Target { get; init; }

    public required string Rule { get; init; }

    public required IReadOnlyList<string> ApproverGroups { get; init; }

    public required int MinApprovals { get; init; }

    public required DateTimeOffset RequestedAt { get; init; }

    /// <summary>How long it has waited, in whole seconds (hh:mm:ss).</summary>
    public required TimeSpan Age { get; init; }

    public required DateTimeOffset Expires { get; init; }

    public required string Status { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ApprovalVote>? Approvals { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ApprovalVote? Denial { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? WindowUntil { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? DecidedAt { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Reason { get; init; }

    public static string StatusName(ApprovalStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>A pending request, as listed.</summary>
    public static ApprovalDocument Pending(ApprovalRequest request, DateTimeOffset now) => new()
    {
        Id = request.Id,
        Session = request.SessionId,
        Sql = string.Join(";\n", HeldStatementText.All(request)),
        Statements = request.Statements,
        Runs = request.Statements.Select((_, i) => i < request.Runs.Count ? request.Runs[i] : null).ToArray(),
        Parameters = request.Statements.Select((_, i) => i < request.Parameters.Count ? request.Parameters[i] : []).ToArray(),
        EstimatedRows = request.EstimatedRows.Any(e => e is not null)
            ? request.Statements.Select((_, i) => i < request.EstimatedRows.Count ? request.EstimatedRows[i] : null).ToArray()
            : null,
        Requester = request.Requester,
        Target = request.Target,
        Rule = request.Rule,
        ApproverGroups = request.ApproverGroups,
        MinApprovals = request.MinApprovals,
        RequestedAt = request.RequestedAt,
        Age = TimeSpan.FromSeconds(Math.Max(0, Math.Floor((now - request.RequestedAt).TotalSeconds))),
        Expires = request.ExpiresAt,
        Status = StatusName(ApprovalStatus.Pending),
    };

    /// <summary>One approval in full.</summary>
    public static ApprovalDocument Of(ApprovalView view, DateTimeOffset now) => Pending(view.Request, view.DecidedAt ?? now) with
    {
        Status = StatusName(view.Status),
        Approvals = view.Approvals,
        Denial = view.Denial,
        WindowUntil = view.WindowUntil,
        DecidedAt = view.DecidedAt,
        Reason = view.Reason,
    };
}

/// <summary>The body of <c>POST /approvals/{id}/approve</c>.</summary>
public sealed record ApproveBody(string? Reason, string? Window);

/// <summary>The body of <c>POST /approvals/{id}/deny</c>.</summary>
public sealed record DenyBody(string? Reason);

/// <summary>Every error the admin API returns: <c>{ "error": "..." }</c>.</summary>
public sealed record ErrorDocument(string Error);
