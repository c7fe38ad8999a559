namespace OrleansGate.Grains.Audit.Projections;

/// <summary>
/// One session, statement by statement: what was asked, how it was decided and why, the approval
/// steps of a held statement, how it ended upstream and how long it took. Table <c>mt_doc_sessiontimeline</c>.
/// </summary>
public sealed class SessionTimeline
{
    /// <summary>The session id (the stream id).</summary>
    public string Id { get; set; } = string.Empty;

    public string Identity { get; set; } = string.Empty;

    public string Target { get; set; } = string.Empty;

    public DateTimeOffset Start { get; set; }

    public DateTimeOffset? End { get; set; }

    public string? EndReason { get; set; }

    /// <summary>In sequence order.</summary>
    public List<TimelineEntry> Entries { get; set; } = [];

    /// <summary>Which statements each approval request held (approval id → sequences).</summary>
    public Dictionary<string, List<long>> Approvals { get; set; } = [];

    public TimelineEntry? Entry(long sequence)
    {
        // Entries arrive in sequence order, so the wanted one is almost always near the end.
        for (var i = Entries.Count - 1; i >= 0; i--)
        {
            if (Entries[i].Sequence == sequence)
            {
                return Entries[i];
            }
        }

        return null;
    }
}

/// <summary>One statement of a <see cref="SessionTimeline"/>.</summary>
public sealed class TimelineEntry
{
    public long Sequence { get; set; }

    public string Phase { get; set; } = string.Empty;

    public string Sql { get; set; } = string.Empty;

    public string Kind { get; set; } = string.Empty;

    public string Command { get; set; } = string.Empty;

    public List<string?> Parameters { get; set; } = [];

    public List<string> RelationsRead { get; set; } = [];

    public List<string> RelationsWritten { get; set; } = [];

    /// <summary>Allow, Mask, Hold or Block; null until the decision is recorded.</summary>
    public string? Action { get; set; }

    public string? Rule { get; set; }

    /// <summary>The SQLSTATE and message a refused statement was answered with.</summary>
    public string? DecisionSqlState { get; set; }

    public string? DecisionMessage { get; set; }

    /// <summary>"column (reason)" for each masked column the statement touches.</summary>
    public List<string> MaskedColumns { get; set; } = [];

    public bool UsesMaskedColumnInPredicate { get; set; }

    /// <summary>Approval steps in order: "requested ap-… (rule)", "granted by bob", "denied by bob: reason", …</summary>
    public List<string> ApprovalSteps { get; set; } = [];

    /// <summary>Completed, Suspended, Failed or NotRun; null when it never ran (refused) or the session was cut.</summary>
    public string? Outcome { get; set; }

    public string? CommandTag { get; set; }

    public long? Rows { get; set; }

    public string? ErrorSqlState { get; set; }

    public string? ErrorMessage { get; set; }

    /// <summary>The first rows of the result as the client saw them, when the policy keeps a preview.</summary>
    public OrleansGate.Grains.Sessions.ResultPreview? Preview { get; set; }

    /// <summary>Values masked on the way to the client, all columns together.</summary>
    public long MaskedValues { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>Milliseconds from the session's start to StatementReceived.</summary>
    public double OffsetMs { get; set; }

    /// <summary>Milliseconds from StatementReceived to StatementCompleted (includes any approval wait).</summary>
    public double? DurationMs { get; set; }
}
