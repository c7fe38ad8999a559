using OrleansGate.Grains.Policy.Versions;

namespace OrleansGate.Proxy.Cluster;

/// <summary>
/// The newest policy version as a silo read and verified it (a standalone proxy holds no audit key
/// to verify a row with). A silo that cannot be reached is an unreadable version, never a guess.
/// </summary>
public sealed class SiloPolicyVersions(IGrainFactory grains) : IPolicyVersionSource
{
    public async Task<NewestPolicyVersion?> NewestAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await grains.GetGrain<IPolicyVersionGrain>(0).NewestAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (OperationCanceledException or PolicyVersionsUnreadableException))
        {
            throw new PolicyVersionsUnreadableException($"no silo answered with the newest policy version: {e.Message.ReplaceLineEndings(" ")}");
        }
    }
}
