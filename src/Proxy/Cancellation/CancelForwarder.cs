using Microsoft.Extensions.Logging;
using OrleansGate.Grains.Sessions.Live;
using OrleansGate.Proxy.Protocol.Backend;
using OrleansGate.Proxy.Upstream;

namespace OrleansGate.Proxy.Cancellation;

/// <summary>
/// Sends a client's CancelRequest to the upstream backend its key stands for. Behind a TCP load
/// balancer the cancel connection can reach another proxy than the session's, so a key this proxy
/// did not issue is passed, through the session directory, to the other proxies of the cluster;
/// the one holding it checks the secret (in constant time) and cancels.
/// </summary>
public sealed partial class CancelForwarder(CancelRegistry registry, IGrainFactory grains, Sessions.LiveSessions live,
    TimeProvider clock, ILogger<CancelForwarder> logger)
{
    /// <summary>
    /// Most keys per second this proxy asks the others about: a CancelRequest needs no login, so
    /// unknown keys must not turn into an unbounded fan-out of cluster calls.
    /// </summary>
    public const int RemoteLookupsPerSecond = 50;

    private readonly Lock _window = new();
    private long _windowStart;
    private int _windowCount;

    /// <summary>A CancelRequest from a client of this proxy.</summary>
    public async Task ForwardAsync(BackendKey key, CancellationToken cancellationToken)
    {
        if (await CancelHereAsync(key, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        if (!TakeRemoteLookup())
        {
            LogRemoteLookupsLimited(logger, RemoteLookupsPerSecond);
            return;
        }

        try
        {
            var found = await grains.GetGrain<ISessionDirectoryGrain>(0).CancelAsync(live.ProxyId, key.ProcessId, key.SecretKey)
                .WaitAsync(SessionDirectory.ProxyAnswerTimeout + TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            if (!found)
            {
                LogCancelIgnored(logger);
            }
        }
#pragma warning disable CA1031 // A cancel is best effort, as PostgreSQL's own: the cluster being unreachable only loses it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogRemoteLookupFailed(logger, e.Message);
        }
    }

    /// <summary>Cancels on this proxy's session when it issued the key; false otherwise (or when the secret is wrong).</summary>
    public async Task<bool> CancelHereAsync(BackendKey key, CancellationToken cancellationToken)
    {
        if (!registry.TryResolve(key, out var target, out var upstreamKey))
        {
            return false;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(target.ConnectTimeout);
            await UpstreamConnector.SendCancelAsync(target, upstreamKey, timeout.Token).ConfigureAwait(false);
            LogCancelForwarded(logger, target.Name);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException
                                       or UpstreamConnectException or System.Security.Authentication.AuthenticationException)
        {
            LogCancelFailed(logger, target.Name, e.Message);
        }

        return true;
    }

    private bool TakeRemoteLookup()
    {
        var now = clock.GetTimestamp();
        lock (_window)
        {
            if (clock.GetElapsedTime(_windowStart, now) >= TimeSpan.FromSeconds(1))
            {
                (_windowStart, _windowCount) = (now, 0);
            }

            return ++_windowCount <= RemoteLookupsPerSecond;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "CancelRequest matched no session of any proxy; ignored")]
    private static partial void LogCancelIgnored(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "More than {Limit} unknown CancelRequests in a second; the rest are not passed to the other proxies")]
    private static partial void LogRemoteLookupsLimited(ILogger logger, int limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CancelRequest could not be passed to the other proxies: {Reason}")]
    private static partial void LogRemoteLookupFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "CancelRequest forwarded to target {Target}")]
    private static partial void LogCancelForwarded(ILogger logger, string target);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CancelRequest to target {Target} failed: {Reason}")]
    private static partial void LogCancelFailed(ILogger logger, string target, string reason);
}
