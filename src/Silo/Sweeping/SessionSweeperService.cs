using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansGate.Grains.Sessions.Sweeping;

namespace OrleansGate.Silo.Sweeping;

/// <summary>
/// Asks the sweeper grain to sweep every <see cref="SweeperOptions.Interval"/>, starting as soon as
/// the silo is up. Every silo runs one, so the sweeps go on as long as one silo does; the grain
/// keeps them about one interval apart.
/// </summary>
internal sealed partial class SessionSweeperService(IGrainFactory grains, IOptions<SweeperOptions> options, ILogger<SessionSweeperService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.Interval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var report = await grains.GetGrain<ISessionSweeperGrain>(0).SweepAsync().WaitAsync(stoppingToken).ConfigureAwait(false);
                if (report.Sealed + report.LostSeal + report.Failed > 0)
                {
                    LogSwept(logger, report.Sealed, report.LostSeal, report.Failed);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogSweepFailed(logger, e.Message);
            }

            try
            {
                await Task.Delay(interval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep: {Sealed} abandoned session(s) sealed, {LostSeal} left for verify, {Failed} failed")]
    private static partial void LogSwept(ILogger logger, int @sealed, int lostSeal, int failed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep failed ({Reason}); next interval tries again")]
    private static partial void LogSweepFailed(ILogger logger, string reason);
}
