namespace OrleansGate.Grains.Policy.Versions;

/// <summary>The newest stored version, and whether its seal verifies (<see cref="PolicyVersionSeal"/>).</summary>
[GenerateSerializer, Immutable]
public sealed record NewestPolicyVersion([property: Id(0)] PolicyVersion Version, [property: Id(1)] bool Sealed);

/// <summary>
/// Where a <see cref="PolicyVersionFollower"/> reads the newest version. A silo reads the table and
/// checks the seal itself (<see cref="SealedPolicyVersions"/>); a standalone proxy, which never
/// holds <c>Secrets:AuditKey</c>, asks a silo (<see cref="IPolicyVersionGrain"/>) over the cluster's
/// mutual TLS, so the answer it acts on is one a silo verified.
/// </summary>
public interface IPolicyVersionSource
{
    /// <summary>The newest version, or null when none is stored yet. Throws <see cref="PolicyVersionsUnreadableException"/> when it cannot be known.</summary>
    Task<NewestPolicyVersion?> NewestAsync(CancellationToken cancellationToken);
}

/// <summary>The table, read here, each row checked with the key this silo holds.</summary>
public sealed class SealedPolicyVersions(PolicyVersionStore store, PolicyVersionSeal seal) : IPolicyVersionSource
{
    public async Task<NewestPolicyVersion?> NewestAsync(CancellationToken cancellationToken) =>
        await store.NewestAsync(cancellationToken).ConfigureAwait(false) is { } newest ? new NewestPolicyVersion(newest, seal.Verifies(newest)) : null;
}

/// <summary>A silo's answer for a standalone proxy: the newest version, read and verified by the silo that runs the call.</summary>
public interface IPolicyVersionGrain : IGrainWithIntegerKey
{
    Task<NewestPolicyVersion?> NewestAsync();
}

[Orleans.Concurrency.StatelessWorker]
public sealed class PolicyVersionGrain(SealedPolicyVersions versions) : Grain, IPolicyVersionGrain
{
    public async Task<NewestPolicyVersion?> NewestAsync()
    {
        try
        {
            return await versions.NewestAsync(CancellationToken.None).ConfigureAwait(true);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
        {
            // Sent to the proxy as a message only: the exception itself need not cross the wire.
            throw new PolicyVersionsUnreadableException($"the silo could not read the policy versions: {e.Message.ReplaceLineEndings(" ")}");
        }
    }
}

/// <summary>The newest policy version could not be read (the store, or for a proxy every silo, did not answer).</summary>
[GenerateSerializer]
public sealed class PolicyVersionsUnreadableException(string message) : Exception(message);
