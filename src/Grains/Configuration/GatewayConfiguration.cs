using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using OrleansGate.Grains.Policy;

namespace OrleansGate.Grains.Configuration;

/// <summary>
/// The gateway's configuration in force (identities, targets, policies): one validated snapshot
/// that every part of the gateway reads — logins, decisions, masking, the catalog, the admin API.
/// When the configuration file changes it is re-read and checked by every validator of
/// <see cref="GatewayOptions"/>; a sound change replaces the snapshot in one step, a broken one is
/// refused (each problem logged with its key) and every part stays on the snapshot in force.
/// Its <c>Policies</c> come from the newest stored policy version once one is in force
/// (<see cref="UsePolicies"/>, GatewayConfiguration.Versions.cs); identities and targets from the file.
/// </summary>
/// <remarks>
/// Nothing reads <c>IOptionsMonitor&lt;GatewayOptions&gt;</c>: its CurrentValue re-validates the
/// file on every read and throws on a broken one, which turned one bad edit into refused logins.
/// The other sections (Proxy, Admin, Sweeper, AuditStore, Cluster) are read once at start-up.
/// </remarks>
public sealed partial class GatewayConfiguration : IDisposable
{
    private readonly IConfiguration _configuration;
    private readonly IReadOnlyList<IValidateOptions<GatewayOptions>> _validators;
    private readonly ILogger _logger;
    private readonly IDisposable _subscription;
    private volatile GatewayOptions _current;

    public GatewayConfiguration(IConfiguration configuration, IOptions<GatewayOptions> initial, IEnumerable<IValidateOptions<GatewayOptions>> validators,
        ILogger<GatewayConfiguration> logger)
    {
        _configuration = configuration;
        _validators = validators.ToList();
        _logger = logger;
        _current = initial.Value;
        _fileConfiguration = Freeze(configuration);
        _subscription = ChangeToken.OnChange(configuration.GetReloadToken, Reload);
    }

    /// <summary>The snapshot in force. Never changed in place: a reload replaces it whole.</summary>
    public GatewayOptions Current => _current;

    /// <summary>Raised after a reload took effect, with the new snapshot.</summary>
    public event Action<GatewayOptions>? Reloaded;

    /// <summary>The policy the target's sessions follow; null when it names none.</summary>
    public PolicyOptions? PolicyFor(string target)
    {
        var current = _current;
        var name = Named(current.Targets, target)?.Policy;
        if (name is null)
        {
            return null;
        }

        foreach (var policy in current.Policies)
        {
            if (policy.Name == name)
            {
                return policy;
            }
        }

        return null;
    }

    /// <summary>The target as the configuration in force describes it; null when there is none of that name.</summary>
    public TargetOptions? TargetFor(string target) => Named(_current.Targets, target);

    // A loop, not Find with a lambda over the name: every decision asks, and the closure was an allocation each time.
    private static TargetOptions? Named(List<TargetOptions> targets, string name)
    {
        foreach (var target in targets)
        {
            if (target.Name == name)
            {
                return target;
            }
        }

        return null;
    }

    private void Reload()
    {
        try
        {
            var file = Freeze(_configuration);
            var (candidate, failures) = Check(file);
            if (candidate is null)
            {
                foreach (var failure in failures)
                {
                    LogReloadRefused(_logger, failure);
                }

                return;
            }

            TakeFile(file, candidate, RecordFile(candidate));
        }
#pragma warning disable CA1031 // A broken file must never take the gateway down; the configuration in force stays.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogReloadRefused(_logger, e.Message.ReplaceLineEndings(" "));
        }
    }

    public void Dispose() => _subscription.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Configuration reloaded ({Identities} identities, {Targets} targets, {Policies} policies)")]
    private static partial void LogReloaded(ILogger logger, int identities, int targets, int policies);

    [LoggerMessage(Level = LogLevel.Error, Message = "Configuration reload refused, the configuration in force stays: {Problem}")]
    private static partial void LogReloadRefused(ILogger logger, string problem);
}
