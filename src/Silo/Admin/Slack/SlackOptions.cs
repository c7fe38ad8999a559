namespace OrleansGate.Silo.Admin.Slack;

/// <summary>
/// Approvals from Slack (<c>OrleansGate:Admin:Slack</c>): the app's signing secret, and which
/// Slack user acts as which gateway identity. A Slack user not listed changes nothing.
/// </summary>
public sealed class SlackOptions
{
    /// <summary>The Slack app's signing secret: every callback must be signed with it.</summary>
    public string? SigningSecret { get; set; }

    /// <summary>Slack user id (U0123ABCD) → the gateway identity who approves or denies as that user.</summary>
    public Dictionary<string, string> Users { get; set; } = new(StringComparer.Ordinal);

    public bool Enabled => !string.IsNullOrEmpty(SigningSecret) && Users.Count > 0;
}
