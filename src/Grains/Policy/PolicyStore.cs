using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using OrleansGate.Grains.Configuration;

namespace OrleansGate.Grains.Policy;

/// <summary>
/// The policies in force. When the configuration file changes they are re-read and checked; a
/// sound change takes effect for the next decision, a broken one is refused (each problem logged
/// with its key) and the policies in force stay as they were.
/// </summary>
public sealed partial class PolicyStore : IDisposable
{
    private readonly IConfiguration _configuration;
    private readonly ILogger _logger;
    private readonly IDisposable _subscription;
    private volatile GatewayOptions _current;

    public PolicyStore(IConfiguration configuration, IOptions<GatewayOptions> initial, ILogger<PolicyStore> logger)
    {
        _configuration = configuration;
        _logger = logger;
        _current = initial.Value;
        _subscription = ChangeToken.OnChange(configuration.GetReloadToken, Reload);
    }

    /// <summary>Raised after a reload took effect (tests and the admin API watch it).</summary>
    public event Action? Reloaded;

    /// <summary>The policy the target's sessions follow; null when it names none.</summary>
    public PolicyOptions? PolicyFor(string target)
    {
        var current = _current;
        var name = current.Targets.Find(t => t.Name == target)?.Policy;
        return name is null ? null : current.Policies.Find(p => p.Name == name);
    }

    /// <summary>The target as the configuration in force describes it; null when there is none of that name.</summary>
    public TargetOptions? TargetFor(string target) => _current.Targets.Find(t => t.Name == target);

    private void Reload()
    {
        try
        {
            var candidate = _configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
            var result = new GatewayOptionsValidator(_configuration).Validate(null, candidate);
            if (result.Failed)
            {
                foreach (var failure in result.Failures ?? [])
                {
                    LogReloadRefused(_logger, failure);
                }

                return;
            }

            _current = candidate;
            LogReloaded(_logger, candidate.Policies.Count);
            Reloaded?.Invoke();
        }
#pragma warning disable CA1031 // A broken file must never take the gateway down; the old policies stay in force.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogReloadRefused(_logger, e.Message.ReplaceLineEndings(" "));
        }
    }

    public void Dispose() => _subscription.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Policies reloaded ({Count} policies)")]
    private static partial void LogReloaded(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Policy reload refused, the previous policies stay in force: {Problem}")]
    private static partial void LogReloadRefused(ILogger logger, string problem);
}
