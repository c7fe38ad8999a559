namespace OrleansGate.Silo.Admin;

/// <summary>The admin HTTP API and the approvals webhook (<c>OrleansGate:Admin</c>). Documented in docs/configuration.md.</summary>
public sealed class AdminOptions
{
    public const string Section = "OrleansGate:Admin";

    /// <summary>host:port the admin API listens on (port 0: any free port); empty: no admin API.</summary>
    public string? Listen { get; set; }

    /// <summary>
    /// Members of these groups list and end every live session and see every approval request.
    /// Everyone else sees their own sessions and requests, and the requests their groups may decide.
    /// </summary>
    /// <remarks>
    /// Empty here, and <see cref="DefaultAdminGroup"/> only when none is configured
    /// (<see cref="ApplyDefaults"/>): the configuration binder appends a configured list to a list
    /// the property starts with, so a default in the initializer stayed an admin group whatever
    /// the file said.
    /// </remarks>
    public List<string> AdminGroups { get; set; } = [];

    /// <summary>Members of these groups read every session's record (its timeline); everyone else only their own. <see cref="DefaultAuditorGroup"/> when none is configured.</summary>
    public List<string> AuditorGroups { get; set; } = [];

    public const string DefaultAdminGroup = "admins";

    public const string DefaultAuditorGroup = "auditors";

    /// <summary>The default groups, where the configuration names none (after binding).</summary>
    public void ApplyDefaults()
    {
        if (AdminGroups.Count == 0)
        {
            AdminGroups = [DefaultAdminGroup];
        }

        if (AuditorGroups.Count == 0)
        {
            AuditorGroups = [DefaultAuditorGroup];
        }
    }

    /// <summary>
    /// Members of these groups (and administrators) record new policy versions and roll back
    /// (<c>POST /policies/versions</c>); they, administrators and auditors read the versions.
    /// </summary>
    public List<string> PolicyEditorGroups { get; set; } = [];

    public WebhookOptions Webhook { get; set; } = new();

    /// <summary>Approvals from Slack: its interactive callbacks on <c>POST /slack/actions</c>.</summary>
    public Slack.SlackOptions Slack { get; set; } = new();

    public bool Enabled => !string.IsNullOrWhiteSpace(Listen);
}

/// <summary>Where approval events are POSTed (<c>OrleansGate:Admin:Webhook</c>).</summary>
public sealed class WebhookOptions
{
    /// <summary>An http(s) URL; empty: no webhook.</summary>
    public string? Url { get; set; }

    /// <summary><c>OrleansGate</c>: the event as JSON. <c>Slack</c>: a Slack message (blocks) with Approve and Deny buttons for each new request.</summary>
    public WebhookFormat Format { get; set; } = WebhookFormat.OrleansGate;

    /// <summary>When set, every POST carries <c>X-OrleansGate-Signature: sha256=&lt;hex HMAC-SHA256 of the body&gt;</c>.</summary>
    public string? Secret { get; set; }

    /// <summary>Deliveries tried per event before it is given up (and logged).</summary>
    public int Attempts { get; set; } = 5;

    /// <summary>The wait after the first failed attempt; it doubles after each further one.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one attempt may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    public bool Enabled => !string.IsNullOrWhiteSpace(Url);
}

/// <summary>What the approvals webhook POSTs.</summary>
public enum WebhookFormat
{
    /// <summary>The approval event as JSON, signed with <see cref="WebhookOptions.Secret"/>.</summary>
    OrleansGate,

    /// <summary>A Slack incoming-webhook message: the request with Approve and Deny buttons; outcomes as a line of text.</summary>
    Slack,
}
