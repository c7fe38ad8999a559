namespace OrleansGate.Grains.Sessions.Sweeping;

/// <summary>
/// The gateway's sweeper (one grain, key 0): every silo asks it to sweep once per interval, and it
/// sweeps at most once per half interval, so a cluster sweeps about once per interval whichever
/// silos are up.
/// </summary>
public interface ISessionSweeperGrain : IGrainWithIntegerKey
{
    Task<SweepReport> SweepAsync();
}

/// <summary>What one sweep did.</summary>
[GenerateSerializer, Immutable]
public sealed record SweepReport(
    [property: Id(0)] bool Ran,
    [property: Id(1)] int Sealed,
    [property: Id(2)] int LostSeal,
    [property: Id(3)] int Failed)
{
    public static readonly SweepReport NotDue = new(false, 0, 0, 0);
}
