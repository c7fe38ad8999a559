using System.Collections.Concurrent;

namespace OrleansGate.Tests.Support;

/// <summary>
/// <see cref="LoopbackTee"/>s to one server, lent to one caller at a time and kept for the next:
/// parallel workers use as many ports as run at once, and a driver learns the server's types once
/// per port instead of once per connection.
/// </summary>
public sealed class LoopbackTees(int upstreamPort) : IAsyncDisposable
{
    private readonly ConcurrentBag<LoopbackTee> _idle = [];
    private readonly ConcurrentBag<LoopbackTee> _all = [];

    public LoopbackTee Rent()
    {
        if (_idle.TryTake(out var idle))
        {
            return idle;
        }

        var tee = LoopbackTee.Start(upstreamPort);
        _all.Add(tee);
        return tee;
    }

    /// <summary>Gives a tee back once its connection has ended.</summary>
    public void Return(LoopbackTee tee) => _idle.Add(tee);

    public async ValueTask DisposeAsync()
    {
        foreach (var tee in _all)
        {
            await tee.DisposeAsync();
        }
    }
}
