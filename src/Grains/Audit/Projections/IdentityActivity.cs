namespace OrleansGate.Grains.Audit.Projections;

/// <summary>One row per identity per UTC day. Id is <c>identity/yyyy-MM-dd</c>. Table <c>mt_doc_identityactivity</c>.</summary>
public sealed class IdentityActivity
{
    public string Id { get; set; } = string.Empty;

    public string Identity { get; set; } = string.Empty;

    /// <summary>The UTC day, yyyy-MM-dd.</summary>
    public string Day { get; set; } = string.Empty;

    public long Sessions { get; set; }

    public long Statements { get; set; }

    public long Allowed { get; set; }

    public long Masked { get; set; }

    public long Held { get; set; }

    public long Blocked { get; set; }

    public static string IdOf(string identity, string day) => $"{identity}/{day}";
}
