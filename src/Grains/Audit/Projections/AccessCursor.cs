namespace OrleansGate.Grains.Audit.Projections;

/// <summary>
/// What <see cref="AccessProjection"/> must remember of a session between event batches: whose
/// it is, and the relations of statements whose decision has not been seen yet. Deleted when the
/// session ends. Table <c>mt_doc_accesscursor</c>; not meant for auditors.
/// </summary>
public sealed class AccessCursor
{
    public string Id { get; set; } = string.Empty;

    public string Identity { get; set; } = string.Empty;

    public string Target { get; set; } = string.Empty;

    /// <summary>Statement sequence (as text) → the relations it reads or writes.</summary>
    public Dictionary<string, List<string>> Pending { get; set; } = [];
}
