using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using OrleansGate.Grains.Configuration;
using OrleansGate.Proxy.Configuration;

namespace OrleansGate.Silo.Admin;

/// <summary>Checks <see cref="AdminOptions"/>; each failure is one line starting with its key.</summary>
public sealed class AdminOptionsValidator(IConfiguration configuration) : IValidateOptions<AdminOptions>
{
    public const int MaxAttempts = 20;

    public ValidateOptionsResult Validate(string? name, AdminOptions options)
    {
        var failures = StrictBinding.Section(configuration, AdminOptions.Section, typeof(AdminOptions)).ToList();
        var key = AdminOptions.Section;
        if (options.Enabled && !ListenAddress.TryParse(options.Listen, out _))
        {
            failures.Add($"{key}:Listen: '{options.Listen}' is not host:port (e.g. 127.0.0.1:6480)");
        }

        foreach (var (setting, groups) in new[] { ("AdminGroups", options.AdminGroups), ("PolicyEditorGroups", options.PolicyEditorGroups), ("AuditorGroups", options.AuditorGroups) })
        {
            for (var i = 0; i < groups.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(groups[i]))
                {
                    failures.Add($"{key}:{setting}:{i}: a group name cannot be empty");
                }
            }
        }

        var slack = options.Slack;
        if (slack.Users.Count > 0 && (slack.SigningSecret?.Length ?? 0) < 16)
        {
            failures.Add($"{key}:Slack:SigningSecret: the Slack app's signing secret is required with Slack:Users (at least 16 characters)");
        }

        foreach (var (user, identity) in slack.Users)
        {
            if (string.IsNullOrWhiteSpace(identity))
            {
                failures.Add($"{key}:Slack:Users:{user}: must name a gateway identity");
            }
        }

        var webhook = options.Webhook;
        if (webhook.Enabled && (!Uri.TryCreate(webhook.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            // The URL itself is not repeated: it may carry a credential in its query.
            failures.Add($"{key}:Webhook:Url: must be an absolute http or https URL");
        }

        if (webhook.Attempts is < 1 or > MaxAttempts)
        {
            failures.Add($"{key}:Webhook:Attempts: must be between 1 and {MaxAttempts} (got {webhook.Attempts})");
        }

        if (webhook.RetryDelay < TimeSpan.Zero)
        {
            failures.Add($"{key}:Webhook:RetryDelay: cannot be negative");
        }

        if (webhook.Timeout <= TimeSpan.Zero)
        {
            failures.Add($"{key}:Webhook:Timeout: must be positive");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
