using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace OrleansGate.Grains.Configuration;

/// <summary>
/// Checks identities and targets at start-up and on reload. Every failure is one line that
/// starts with the full configuration key, e.g. <c>OrleansGate:Targets:0:Port: must be 1..65535</c>.
/// </summary>
public sealed class GatewayOptionsValidator(IConfiguration configuration) : IValidateOptions<GatewayOptions>
{
    /// <summary>The same checks over another configuration (a policy version laid over the file).</summary>
    public GatewayOptionsValidator Over(IConfiguration other) => new(other);

    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var failures = new List<string>();
        failures.AddRange(StrictBinding.List(configuration, $"{GatewayOptions.Section}:Identities", typeof(IdentityOptions)));
        failures.AddRange(StrictBinding.List(configuration, $"{GatewayOptions.Section}:Targets", typeof(TargetOptions)));
        failures.AddRange(StrictBinding.List(configuration, $"{GatewayOptions.Section}:Oidc", typeof(OidcIssuerOptions)));
        OidcIssuerValidator.Validate(options.Oidc, failures);
        ValidateIdentities(options.Identities, failures);
        failures.AddRange(PolicyBindingFailures());
        ValidateTargets(options.Targets, failures);
        PolicyOptionsValidator.Validate(options.Policies, options.Targets, failures);
        ValidateSecrets(options, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // Rules and masks are bound one by one first, so a problem is reported with its full key
    // (Policies:0:Rules:2:Kinds:0) rather than only the policy's.
    private IEnumerable<string> PolicyBindingFailures()
    {
        var path = $"{GatewayOptions.Section}:Policies";
        foreach (var policy in configuration.GetSection(path).GetChildren())
        {
            var nested = StrictBinding.List(configuration, $"{policy.Path}:Rules", typeof(Policy.RuleOptions))
                .Concat(StrictBinding.List(configuration, $"{policy.Path}:Masks", typeof(Policy.MaskOptions)))
                .ToList();
            foreach (var failure in nested.Count > 0 ? nested : StrictBinding.Section(configuration, policy.Path, typeof(Policy.PolicyOptions)))
            {
                yield return failure;
            }
        }
    }

    private static void ValidateSecrets(GatewayOptions options, List<string> failures)
    {
        var key = $"{GatewayOptions.Section}:Secrets";
        foreach (var (name, value) in new[] { ("MaskingKey", options.Secrets.MaskingKey), ("AuditKey", options.Secrets.AuditKey) })
        {
            if (!string.IsNullOrEmpty(value) && SecretsOptions.Decode(value) is null)
            {
                failures.Add($"{key}:{name}: must be base64 of {SecretsOptions.KeyBytes} bytes (e.g. openssl rand -base64 32)");
            }
        }

        if (string.IsNullOrEmpty(options.Secrets.MaskingKey)
            && options.Policies.Exists(p => p.Masks.Exists(m => m.Strategy == Policy.MaskStrategy.Hash)))
        {
            failures.Add($"{key}:MaskingKey: is required when a mask uses the Hash strategy");
        }
    }

    private static void ValidateIdentities(List<IdentityOptions> identities, List<string> failures)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var tokens = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < identities.Count; i++)
        {
            var key = $"{GatewayOptions.Section}:Identities:{i}";
            var identity = identities[i];
            if (string.IsNullOrWhiteSpace(identity.Name))
            {
                failures.Add($"{key}:Name: is required");
            }
            else if (!names.Add(identity.Name))
            {
                failures.Add($"{key}:Name: '{identity.Name}' is configured twice");
            }

            var hasPassword = !string.IsNullOrEmpty(identity.Password);
            var hasVerifier = !string.IsNullOrEmpty(identity.ScramVerifier);
            if (hasPassword == hasVerifier)
            {
                failures.Add($"{key}:Password: give exactly one of Password or ScramVerifier");
            }

            if (identity.ApiToken is { Length: > 0 and < 16 })
            {
                failures.Add($"{key}:ApiToken: must be at least 16 characters");
            }
            else if (identity.ApiToken is { Length: > 0 } token && !tokens.TryAdd(token, i))
            {
                // The admin API acts as the token's identity: one token, one identity. (The token is not repeated here.)
                failures.Add($"{key}:ApiToken: the same token as {GatewayOptions.Section}:Identities:{tokens[token]}:ApiToken");
            }

            ValidateGroups(identity.Groups, $"{key}:Groups", failures);
        }
    }

    private static void ValidateTargets(List<TargetOptions> targets, List<string> failures)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < targets.Count; i++)
        {
            var key = $"{GatewayOptions.Section}:Targets:{i}";
            var target = targets[i];
            if (string.IsNullOrWhiteSpace(target.Name))
            {
                failures.Add($"{key}:Name: is required");
            }
            else if (!names.Add(target.Name))
            {
                failures.Add($"{key}:Name: '{target.Name}' is configured twice");
            }

            if (string.IsNullOrWhiteSpace(target.Host))
            {
                failures.Add($"{key}:Host: is required");
            }

            if (target.Port is < 1 or > 65535)
            {
                failures.Add($"{key}:Port: must be between 1 and 65535 (got {target.Port})");
            }

            if (string.IsNullOrWhiteSpace(target.Username))
            {
                failures.Add($"{key}:Username: is required");
            }

            if (!Enum.IsDefined(target.SslMode))
            {
                failures.Add($"{key}:SslMode: must be Disable, Prefer, Require or VerifyFull");
            }

            if (target.RootCertificate is { Length: > 0 } root && !File.Exists(root))
            {
                failures.Add($"{key}:RootCertificate: file '{root}' does not exist");
            }

            if (target.ConnectTimeout <= TimeSpan.Zero)
            {
                failures.Add($"{key}:ConnectTimeout: must be positive");
            }

            ValidateGroups(target.Groups, $"{key}:Groups", failures);
        }
    }

    private static void ValidateGroups(List<string> groups, string key, List<string> failures)
    {
        for (var i = 0; i < groups.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(groups[i]))
            {
                failures.Add($"{key}:{i}: a group name cannot be empty");
            }
        }
    }
}
