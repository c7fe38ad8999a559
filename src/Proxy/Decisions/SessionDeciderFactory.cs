using Microsoft.Extensions.Logging;
using OrleansGate.Grains.Sessions;

namespace OrleansGate.Proxy.Decisions;

/// <summary>Opens the decision point of a new session: a fresh session grain, started.</summary>
public sealed class SessionDeciderFactory(IGrainFactory grains, ILogger<GrainSessionDecider> logger)
{
    public async Task<ISessionDecider> OpenAsync(SessionStart start, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var grain = grains.GetGrain<ISessionGrain>(Guid.NewGuid().ToString("N"));
        await grain.StartAsync(start).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        return new GrainSessionDecider(grain, grains, timeout, logger);
    }
}
