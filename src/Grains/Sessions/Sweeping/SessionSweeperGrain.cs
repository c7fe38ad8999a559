using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansGate.Grains.Sessions.Live;

namespace OrleansGate.Grains.Sessions.Sweeping;

/// <summary>
/// Seals the sessions a dead proxy left open. A proxy calls <see cref="ISessionGrain.EndAsync"/>
/// whenever a client connection ends, however it ends; only a proxy that dies outright (kill -9,
/// power loss, the whole AllInOne process) leaves a stream without its SessionEnded. The seal goes
/// through the session grain, the stream's only writer, so it links onto the chain like any end.
/// </summary>
/// <remarks>
/// A silo that is stopping seals nothing more: a session grain it would activate to seal cannot be
/// placed on it any more, and the silo's stop would wait for every such attempt (Orleans retries
/// the placement). The next sweep, on this silo after a restart or on another one, takes them.
/// </remarks>
public sealed partial class SessionSweeperGrain(IOptions<SweeperOptions> options, ProxyHeartbeats heartbeats, AbandonedSessions abandoned,
    LivenessClock clock, Microsoft.Extensions.Hosting.IHostApplicationLifetime lifetime, ILogger<SessionSweeperGrain> logger) : Grain, ISessionSweeperGrain
{
    private DateTimeOffset _lastSweep = DateTimeOffset.MinValue;

    /// <summary>The SessionEnded reason of a sealed session; "failure:" makes verify report it as ended by failure.</summary>
    public static string Reason(string proxy) => $"failure: proxy {proxy} stopped without ending the session";

    public async Task<SweepReport> SweepAsync()
    {
        var o = options.Value;
        var now = clock.UtcNow;
        if (now - _lastSweep < o.Interval / 2)
        {
            return SweepReport.NotDue;
        }

        _lastSweep = now;
        // Alive: subscribed to this gateway's directory now. Written down first, so another gateway
        // sharing the audit database sees these proxies as alive even if this one seals nothing.
        var live = await GrainFactory.GetGrain<ISessionDirectoryGrain>(0).ProxiesAsync().ConfigureAwait(true);
        var ahead = clock.AheadOfSystem;
        await heartbeats.BeatAsync(live, o.Grace, ahead).ConfigureAwait(true);
        if (!o.Enabled)
        {
            return new SweepReport(true, 0, 0, 0);
        }

        var (sealedCount, lostSeal, failed) = (0, 0, 0);
        var stopping = lifetime.ApplicationStopping;
        foreach (var session in await abandoned.FindAsync(live, o.Grace, ahead, o.MaxPerSweep).ConfigureAwait(true))
        {
            if (stopping.IsCancellationRequested)
            {
                break;
            }

            if (session.LostItsSeal)
            {
                lostSeal++;
                LogLostSeal(logger, session.SessionId);
                continue;
            }

            try
            {
                if (await GrainFactory.GetGrain<ISessionGrain>(session.SessionId).SealAbandonedAsync(Reason(session.Proxy))
                        .WaitAsync(stopping).ConfigureAwait(true))
                {
                    sealedCount++;
                    LogSealed(logger, session.SessionId, session.Proxy);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // One session that cannot be sealed now must not stop the others; the next sweep tries again.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failed++;
                LogSealFailed(logger, session.SessionId, e.Message);
            }
        }

        return new SweepReport(true, sealedCount, lostSeal, failed);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: sealed as ended by failure, its proxy {Proxy} is gone")]
    private static partial void LogSealed(ILogger logger, string sessionId, string proxy);

    [LoggerMessage(Level = LogLevel.Error, Message = "Session {SessionId}: its record ends on a StatementCompleted without the SessionEnded " +
                                                    "written with it (removed?); not sealed, verify reports it")]
    private static partial void LogLostSeal(ILogger logger, string sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: could not be sealed ({Reason}); next sweep tries again")]
    private static partial void LogSealFailed(ILogger logger, string sessionId, string reason);
}
