using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansGate.Grains.Configuration;
using OrleansGate.Grains.Sessions.Live;

namespace OrleansGate.Proxy.Sessions;

/// <summary>
/// Keeps this proxy subscribed to the <see cref="ISessionDirectoryGrain"/>: subscribes at start,
/// renews every <c>Cluster:DirectoryRenewal</c> (which also re-introduces it to a
/// restarted silo), unsubscribes at stop. Registered after the Orleans client or silo, so the
/// grain factory is usable when it starts.
/// </summary>
public sealed partial class SessionDirectoryLink(IGrainFactory grains, LiveSessions sessions, Cancellation.CancelForwarder cancels,
    IOptions<ClusterOptions> cluster, ILogger<SessionDirectoryLink> logger) : BackgroundService
{
    private readonly LiveSessionHost _host = new(sessions, cancels);
    private ILiveSessionHost? _reference;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _reference = grains.CreateObjectReference<ILiveSessionHost>(_host);
        var directory = grains.GetGrain<ISessionDirectoryGrain>(0);
        var renewEvery = cluster.Value.DirectoryRenewal;
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await directory.SubscribeAsync(sessions.ProxyId, _reference, renewEvery).WaitAsync(stoppingToken).ConfigureAwait(false);
                if (failing)
                {
                    LogRenewed(logger);
                }

                failing = false;
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                if (!failing)
                {
                    LogSubscribeFailed(logger, e.Message);
                }

                failing = true;
            }

            try
            {
                await Task.Delay(failing ? TimeSpan.FromSeconds(2) : renewEvery, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_reference is null)
        {
            return;
        }

        try
        {
            await grains.GetGrain<ISessionDirectoryGrain>(0).UnsubscribeAsync(sessions.ProxyId)
                .WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Best effort: the subscription expires on its own.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        grains.DeleteObjectReference<ILiveSessionHost>(_reference);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not subscribe to the session directory ({Reason}); retrying")]
    private static partial void LogSubscribeFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Subscribed to the session directory again")]
    private static partial void LogRenewed(ILogger logger);
}
