using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansGate.Grains.Catalog;
using OrleansGate.Grains.Configuration;

namespace OrleansGate.Silo.Hosting;

/// <summary>
/// At start-up, looks at each target's upstream role and warns when it is a superuser or may create
/// roles (or bypass row security, or replicate): the gateway's rules are then the only barrier.
/// Runs in the background; a target that cannot be reached is noted and checked on no further.
/// </summary>
internal sealed partial class UpstreamRoleCheck(GatewayConfiguration gateway, ILogger<UpstreamRoleCheck> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var target in gateway.Current.Targets)
        {
            try
            {
                var powers = await UpstreamRolePowers.ReadAsync(target, stoppingToken).ConfigureAwait(false);
                if (powers.TooPowerful)
                {
                    LogTooPowerful(logger, target.Name, powers.Describe());
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogNotChecked(logger, target.Name, UpstreamRolePowers.DescribeFailure(e, target));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Target {Target}: the upstream role {Powers}, so the gateway's rules are the only barrier between clients and everything it can reach; give each target its own least-privileged role (docs/deployment.md)")]
    private static partial void LogTooPowerful(ILogger logger, string target, string powers);

    [LoggerMessage(Level = LogLevel.Information, Message = "Target {Target}: could not check the upstream role's privileges at start-up: {Reason}")]
    private static partial void LogNotChecked(ILogger logger, string target, string reason);
}
