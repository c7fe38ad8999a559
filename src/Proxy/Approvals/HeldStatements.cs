using System.Collections.Concurrent;
using OrleansGate.Grains.Telemetry;

namespace OrleansGate.Proxy.Approvals;

/// <summary>
/// The statements waiting for approval in this proxy's live sessions, for the metrics: how many,
/// and how long the oldest has waited.
/// </summary>
public sealed class HeldStatements
{
    private readonly ConcurrentDictionary<object, long> _since = new();
    private readonly TimeProvider _clock;

    public HeldStatements(TimeProvider clock, GatewayMetrics metrics)
    {
        _clock = clock;
        metrics.ObserveHeldStatements(() => _since.Count, OldestSeconds);
    }

    /// <summary>A statement starts waiting; disposing the result ends its wait.</summary>
    public IDisposable Hold()
    {
        var key = new object();
        _since[key] = _clock.GetTimestamp();
        return new Release(this, key);
    }

    private double OldestSeconds()
    {
        var now = _clock.GetTimestamp();
        return _since.Values.Select(since => _clock.GetElapsedTime(since, now).TotalSeconds).DefaultIfEmpty(0).Max();
    }

    private sealed class Release(HeldStatements owner, object key) : IDisposable
    {
        public void Dispose() => owner._since.TryRemove(key, out _);
    }
}
