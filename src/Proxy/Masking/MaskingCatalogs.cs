using System.Collections.Concurrent;
using OrleansGate.Grains.Catalog;

namespace OrleansGate.Proxy.Masking;

/// <summary>
/// This proxy's copies of the targets' masking catalogs. A decision names the catalog version it
/// was made with; a copy older than that is fetched again from the target's catalog grain before
/// the statement is forwarded, so results are never masked with less than the decision assumed.
/// </summary>
public sealed class MaskingCatalogs(IGrainFactory grains)
{
    private readonly ConcurrentDictionary<string, MaskingCatalog> _byTarget = new(StringComparer.Ordinal);

    /// <summary>The target's catalog at <paramref name="minimumVersion"/> or newer.</summary>
    /// <exception cref="MaskingException">The catalog grain did not answer, or has no usable catalog.</exception>
    public async ValueTask<MaskingCatalog> GetAsync(string target, long minimumVersion, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_byTarget.TryGetValue(target, out var known) && known.Version >= minimumVersion)
        {
            return known;
        }

        MaskingCatalog fetched;
        try
        {
            fetched = await grains.GetGrain<ICatalogGrain>(target).GetAsync().WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new MaskingException($"the masking catalog of target \"{target}\" is unavailable ({e.GetType().Name})");
        }

        if (fetched.Error is not null || fetched.Version < minimumVersion)
        {
            throw new MaskingException($"the masking catalog of target \"{target}\" is not up to date");
        }

        return _byTarget.AddOrUpdate(target, fetched, (_, old) => old.Version >= fetched.Version ? old : fetched);
    }
}
