using Microsoft.Extensions.Logging;

namespace OrleansGate.Grains.Sessions.Live;

/// <summary>
/// Keeps the proxies' observers in memory only: they are renewed every
/// <c>Cluster:DirectoryRenewal</c>, so losing this activation loses nothing for long.
/// </summary>
public sealed partial class SessionDirectoryGrain(LivenessClock clock, ILogger<SessionDirectoryGrain> logger)
    : Grain, ISessionDirectoryGrain
{
    private readonly Dictionary<string, (ILiveSessionHost Host, DateTimeOffset Until)> _proxies = new(StringComparer.Ordinal);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Stay active between renewals, so listings do not miss proxies after an idle spell.
        DelayDeactivation(TimeSpan.FromDays(3650));
        return Task.CompletedTask;
    }

    public Task SubscribeAsync(string proxyId, ILiveSessionHost host, TimeSpan renewEvery)
    {
        // A renewal period out of bounds comes from a proxy that bypassed its own validation: held
        // to the bounds, it can neither stay listed for ever nor drop out between renewals.
        var period = TimeSpan.FromTicks(Math.Clamp(renewEvery.Ticks, SessionDirectory.ShortestRenewEvery.Ticks, SessionDirectory.LongestRenewEvery.Ticks));
        _proxies[proxyId] = (host, clock.UtcNow + SessionDirectory.LeaseFor(period));
        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(string proxyId)
    {
        _proxies.Remove(proxyId);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ProxiesAsync() => Task.FromResult<IReadOnlyList<string>>(LiveProxies().Select(p => p.Key).ToList());

    public async Task<IReadOnlyList<LiveSession>> ListAsync()
    {
        var answers = await Task.WhenAll(LiveProxies().Select(async p => await AskAsync(p.Key, p.Value, h => h.ListAsync()) ?? []))
            .ConfigureAwait(true);
        return answers.SelectMany(a => a).OrderBy(s => s.StartedAt).ToList();
    }

    public async Task<bool> TerminateAsync(string sessionId, string requestedBy)
    {
        var answers = await Task.WhenAll(LiveProxies().Select(p => AskAsync(p.Key, p.Value, h => h.TerminateAsync(sessionId, requestedBy))))
            .ConfigureAwait(true);
        return answers.Any(a => a);
    }

    public async Task<bool> CancelAsync(string receivedBy, int processId, int secretKey)
    {
        var answers = await Task.WhenAll(LiveProxies().Where(p => p.Key != receivedBy)
            .Select(p => AskAsync(p.Key, p.Value, h => h.CancelAsync(processId, secretKey)))).ConfigureAwait(true);
        return answers.Any(a => a);
    }

    private List<KeyValuePair<string, ILiveSessionHost>> LiveProxies()
    {
        var now = clock.UtcNow;
        foreach (var expired in _proxies.Where(p => p.Value.Until < now).Select(p => p.Key).ToList())
        {
            _proxies.Remove(expired);
            LogProxyExpired(logger, expired);
        }

        return _proxies.Select(p => KeyValuePair.Create(p.Key, p.Value.Host)).ToList();
    }

    private async Task<T?> AskAsync<T>(string proxyId, ILiveSessionHost host, Func<ILiveSessionHost, Task<T>> ask)
    {
        try
        {
            return await ask(host).WaitAsync(SessionDirectory.ProxyAnswerTimeout).ConfigureAwait(true);
        }
#pragma warning disable CA1031 // A proxy that does not answer is left out; the others still count.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogProxyDidNotAnswer(logger, proxyId, e.Message);
            return default;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Proxy {Proxy} did not renew its session listing in time; dropped")]
    private static partial void LogProxyExpired(ILogger logger, string proxy);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Proxy {Proxy} did not answer about its live sessions: {Reason}")]
    private static partial void LogProxyDidNotAnswer(ILogger logger, string proxy, string reason);
}
