using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using OrleansGate.Grains.Configuration;

namespace OrleansGate.Proxy.Configuration;

/// <summary>Checks <see cref="ProxyOptions"/>; each failure is one line starting with its key.</summary>
public sealed class ProxyOptionsValidator(IConfiguration configuration) : IValidateOptions<ProxyOptions>
{
    /// <summary>The smallest cap that still lets ordinary clients work (a Parse of a long query).</summary>
    public const int MinMessageBytes = 8 * 1024;

    public ValidateOptionsResult Validate(string? name, ProxyOptions options)
    {
        var failures = StrictBinding.Section(configuration, ProxyOptions.Section, typeof(ProxyOptions)).ToList();
        var key = ProxyOptions.Section;
        if (!ListenAddress.TryParse(options.Listen, out _))
        {
            failures.Add($"{key}:Listen: '{options.Listen}' is not host:port");
        }

        if (string.IsNullOrWhiteSpace(options.UpstreamApplicationName))
        {
            failures.Add($"{key}:UpstreamApplicationName: cannot be empty (default {Upstream.UpstreamApplicationName.DefaultTemplate})");
        }
        else if (Upstream.UpstreamApplicationName.UnknownPlaceholders(options.UpstreamApplicationName).FirstOrDefault() is { } unknown)
        {
            failures.Add($"{key}:UpstreamApplicationName: unknown placeholder {unknown} (known: " +
                         $"{string.Join(", ", Upstream.UpstreamApplicationName.Placeholders)})");
        }

        if (!string.IsNullOrEmpty(options.HealthListen) && !ListenAddress.TryParse(options.HealthListen, out _))
        {
            failures.Add($"{key}:HealthListen: '{options.HealthListen}' is not host:port");
        }

        if (options.MaxMessageBytes < MinMessageBytes)
        {
            failures.Add($"{key}:MaxMessageBytes: must be at least {MinMessageBytes} (got {options.MaxMessageBytes})");
        }

        if (options.MaxConnections < 1)
        {
            failures.Add($"{key}:MaxConnections: must be at least 1 (got {options.MaxConnections})");
        }

        if (options.AuthenticationTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{key}:AuthenticationTimeout: must be positive");
        }

        // A statement waits this long for its decision and audit commit: zero or less would refuse
        // every statement, and beyond an hour a stuck audit store would hold clients for good.
        if (options.DecisionTimeout <= TimeSpan.Zero || options.DecisionTimeout > TimeSpan.FromHours(1))
        {
            failures.Add($"{key}:DecisionTimeout: must be more than 0 and at most 01:00:00 (got {options.DecisionTimeout})");
        }

        if (options.ParseCacheEntries is < 0 or > 1_000_000)
        {
            failures.Add($"{key}:ParseCacheEntries: must be 0 (no cache) to 1000000 (got {options.ParseCacheEntries})");
        }

        var tls = options.Tls;
        if (tls.Enabled && !File.Exists(tls.CertificatePath))
        {
            failures.Add($"{key}:Tls:CertificatePath: file '{tls.CertificatePath}' does not exist");
        }

        if (!string.IsNullOrEmpty(tls.KeyPath) && !File.Exists(tls.KeyPath))
        {
            failures.Add($"{key}:Tls:KeyPath: file '{tls.KeyPath}' does not exist");
        }

        if (tls.Required && !tls.Enabled)
        {
            failures.Add($"{key}:Tls:Required: needs {key}:Tls:CertificatePath");
        }

        for (var i = 0; i < options.ExtraStartupParameters.Count; i++)
        {
            var parameter = options.ExtraStartupParameters[i];
            if (Startup.StartupParameterPolicy.IsNeverForwarded(parameter))
            {
                failures.Add($"{key}:ExtraStartupParameters:{i}: '{parameter}' can never be forwarded");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
