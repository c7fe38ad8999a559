namespace OrleansGate.Grains.Audit.Projections;

/// <summary>
/// One row per relation per identity per target: how often the identity read it, wrote it, was
/// masked on it or refused (blocked, held) over it. Id is <c>target/relation/identity</c>.
/// Table <c>mt_doc_tableaccess</c>.
/// </summary>
public sealed class TableAccess
{
    public string Id { get; set; } = string.Empty;

    public string Target { get; set; } = string.Empty;

    /// <summary>The relation as the statement named it (e.g. <c>secrets</c>, <c>public.secrets</c>).</summary>
    public string Relation { get; set; } = string.Empty;

    public string Identity { get; set; } = string.Empty;

    /// <summary>Statements that read it (whatever their decision).</summary>
    public long Reads { get; set; }

    /// <summary>Statements that write it (whatever their decision).</summary>
    public long Writes { get; set; }

    /// <summary>Statements over it that were masked.</summary>
    public long Masked { get; set; }

    public long Held { get; set; }

    public long Blocked { get; set; }

    public DateTimeOffset FirstAt { get; set; }

    public DateTimeOffset LastAt { get; set; }

    public static string IdOf(string target, string relation, string identity) => $"{target}/{relation}/{identity}";
}
