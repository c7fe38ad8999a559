namespace OrleansGate.Grains.Audit;

/// <summary>Where the audit record lives (<c>OrleansGate:AuditStore</c>): a PostgreSQL database of its own.</summary>
public sealed class AuditStoreOptions
{
    public const string Section = "OrleansGate:AuditStore";

    /// <summary>Npgsql connection string of the audit database.</summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>The schema Marten keeps the events in.</summary>
    public string Schema { get; set; } = "og_audit";

    /// <summary>How long one group commit may take before its statements are refused.</summary>
    public TimeSpan CommitTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Most appends committed in one transaction.</summary>
    public int MaxBatch { get; set; } = 512;

    /// <summary>Commits that may be in flight at once, each on its own connection.</summary>
    public int Writers { get; set; } = 1;
}
