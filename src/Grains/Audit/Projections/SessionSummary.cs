namespace OrleansGate.Grains.Audit.Projections;

/// <summary>One row per session: who, where from, when, and what it did in numbers. Table <c>mt_doc_sessionsummary</c>.</summary>
public sealed class SessionSummary
{
    /// <summary>The session id (the stream id).</summary>
    public string Id { get; set; } = string.Empty;

    public string Identity { get; set; } = string.Empty;

    public List<string> Groups { get; set; } = [];

    public string Target { get; set; } = string.Empty;

    public string? ClientAddress { get; set; }

    public string? ApplicationName { get; set; }

    public bool Tls { get; set; }

    public DateTimeOffset Start { get; set; }

    public DateTimeOffset? End { get; set; }

    public string? EndReason { get; set; }

    /// <summary>Statements received (every one is decided).</summary>
    public long Statements { get; set; }

    public long Allowed { get; set; }

    public long Masked { get; set; }

    public long Held { get; set; }

    public long Blocked { get; set; }

    /// <summary>Statements that ran and failed upstream.</summary>
    public long Failed { get; set; }

    /// <summary>Rows the statements that ran returned or changed, as their command tags say.</summary>
    public long RowsOut { get; set; }

    public long MaskedValues { get; set; }
}
