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

    /// <summary>Records a refused login in a stream of its own (throws when the record cannot be written).</summary>
    public Task RecordRefusalAsync(LoginRefusal refusal, TimeSpan timeout, CancellationToken cancellationToken) =>
        grains.GetGrain<ISessionGrain>(Guid.NewGuid().ToString("N")).RefuseLoginAsync(refusal).WaitAsync(timeout, cancellationToken);
}
