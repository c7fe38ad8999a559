using Orleans.Placement;
using Orleans.Runtime;

namespace OrleansGate.Tests.Silo.Cluster;

/// <summary>
/// A grain that keeps a counter in the "approvals" grain storage, so a test can write state
/// through the ADO.NET provider on one silo and read it back on another. It says which silo it
/// runs on, and prefers the silo that calls it, so the test knows which silo to stop.
/// </summary>
public interface IPersistentCounterGrain : IGrainWithStringKey
{
    Task<int> IncrementAsync();

    Task<int> GetAsync();

    Task<string> SiloAsync();
}

public sealed class CounterState
{
    public int Count { get; set; }
}

[PreferLocalPlacement]
public sealed class PersistentCounterGrain(
    [PersistentState("counter", OrleansGate.Silo.Clustering.SiloClustering.ApprovalsStorage)] IPersistentState<CounterState> counter,
    ILocalSiloDetails silo) : Grain, IPersistentCounterGrain
{
    public async Task<int> IncrementAsync()
    {
        counter.State.Count++;
        await counter.WriteStateAsync();
        return counter.State.Count;
    }

    public Task<int> GetAsync() => Task.FromResult(counter.State.Count);

    public Task<string> SiloAsync() => Task.FromResult(silo.SiloAddress.ToParsableString());
}
