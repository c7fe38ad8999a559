using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansGate.Grains.Configuration;

namespace OrleansGate.Grains.Policy.Versions;

/// <summary>
/// Keeps this process (a silo, or a standalone proxy) on the newest policy version. At start-up,
/// before the silo or the proxy's listener starts, it puts the newest stored version in force —
/// on a silo after recording the file's policies (version 1 when none is stored) — and a version
/// store that cannot be read, a newest version whose seal does not verify, or one that does not
/// validate here, stops the process with one line: it never runs with policies other than the ones
/// recorded as in force. Later, a newer row whose seal does not verify is refused (logged at Error)
/// and the version in force stays.
/// </summary>
/// <remarks>
/// Why PostgreSQL LISTEN/NOTIFY rather than an Orleans broadcast: the version store is the source
/// of truth, and its commit sends the notification (nothing is announced that did not commit);
/// standalone proxies, which are Orleans clients and not silos, hear it the same way as silos; and
/// a process that missed a notification (its listening connection dropped) catches up with the
/// periodic check, which reads the newest version every <see cref="PollEvery"/> whatever happens.
/// Why the seal (<see cref="PolicyVersionSeal"/>): the table is writable by whoever can write the
/// cluster database, who need not hold the audit key; a row only the recorder could have sealed
/// is one the audit record holds.
/// Why a start-up with an unverified newest row fails rather than falling back to the newest
/// verified one: the fallback would let a writer of the table roll the gateway back to any older
/// (looser) version by spoiling the rows after it.
/// </remarks>
public sealed partial class PolicyVersionFollower(PolicyVersionStore store, IPolicyVersionSource versions, GatewayConfiguration gateway,
    PolicyVersionRecorder? recorder, string storeKey, ILogger<PolicyVersionFollower> logger) : IHostedService, IAsyncDisposable
{
    /// <summary>The periodic check behind the notifications.</summary>
    public static readonly TimeSpan PollEvery = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _stopping = new();
    private Task _listening = Task.CompletedTask;

    // The last row refused, so the periodic check logs a forged row once, not every PollEvery.
    private int _refused;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        NewestPolicyVersion newest;
        try
        {
            if (recorder is not null)
            {
                await store.EnsureTableAsync(cancellationToken).ConfigureAwait(false);
                await recorder.RecordFileAsync(gateway.FilePolicies, cancellationToken).ConfigureAwait(false);
            }

            newest = await versions.NewestAsync(cancellationToken).ConfigureAwait(false)
                     ?? throw new PolicyVersionsUnavailableException($"{storeKey}: no policy version is stored yet for service " +
                                                                     $"'{store.ServiceId}' (a silo records the first one at its start-up)");
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or Audit.AuditUnavailableException or PolicyVersionsUnreadableException)
        {
            throw new PolicyVersionsUnavailableException(
                $"{storeKey}: the policy versions cannot be read or recorded, so the policies in force are unknown: {e.Message.ReplaceLineEndings(" ")}", e);
        }

        if (!newest.Sealed)
        {
            throw new PolicyVersionsUnavailableException(
                $"{Audit.AuditStoreOptionsValidator.AuditKeySetting}: policy version {newest.Version.Number} in {PolicyVersionStore.Table} (service " +
                $"'{store.ServiceId}') is not sealed with this key, so the gateway did not record it; the process does not start " +
                "(docs/policies.md#versions: remove the row, or check the key)");
        }

        if (gateway.UsePolicies(newest.Version) is [var problem, ..])
        {
            throw new PolicyVersionsUnavailableException($"policy version {newest.Version.Number} does not validate with this configuration: {problem}");
        }

        if (recorder is not null)
        {
            gateway.RecordFilePolicies = recorder.RecordFileAsync;
        }

        _listening = Task.Run(() => ListenAsync(_stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        gateway.RecordFilePolicies = null;
        // The host stops its services in reverse order, all under one shutdown timeout: this one
        // (registered before the silo) stops after the silo, the proxy and the admin API, and a slow
        // stop of theirs leaves it a token already cancelled. The loop itself ends in well under a
        // second once cancelled (PolicyVersionSealTests measures it, and measured the same with the
        // wait given the token or not), so when a host's stop timed out here, the time was spent
        // before: said in the log, so it is looked for there.
        if (cancellationToken.IsCancellationRequested)
        {
            LogStopTimeoutSpent(logger);
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _listening.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host stopped waiting (its shutdown timeout): the loop ends on its own, and a stop must not fail over it.
        }
    }

    /// <summary>
    /// Reads the newest version and puts it in force when it is newer than the one in force and its
    /// seal verifies; a row that does not verify is refused and logged, and the version in force stays.
    /// </summary>
    public async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        if (await versions.NewestAsync(cancellationToken).ConfigureAwait(false) is not { } newest)
        {
            return;
        }

        var inForce = gateway.PolicyVersion?.Number ?? 0;
        if (!newest.Sealed && newest.Version.Number >= inForce && Interlocked.Exchange(ref _refused, newest.Version.Number) != newest.Version.Number)
        {
            // Logged once per row: the periodic check would repeat it every PollEvery.
            if (newest.Version.Number == inForce)
            {
                LogAltered(logger, inForce);
            }
            else
            {
                LogUnsealed(logger, newest.Version.Number, inForce);
            }
        }

        if (!newest.Sealed || newest.Version.Number <= inForce)
        {
            return;
        }

        gateway.UsePolicies(newest.Version);
    }

    private async Task ListenAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await using var connection = await store.OpenAsync(stopping).ConfigureAwait(false);
                await using (var listen = new NpgsqlCommand($"LISTEN {PolicyVersionStore.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stopping).ConfigureAwait(false);
                }

                // Whatever was recorded while this connection was not listening.
                await CatchUpAsync(stopping).ConfigureAwait(false);
                while (!stopping.IsCancellationRequested)
                {
                    // A notification or the periodic check: either way the store says what is newest
                    // (the payload, a service id, only wakes this loop; other gateways' are cheap to ignore).
                    // Npgsql ends a cancelled wait at once (it does not go through a PostgreSQL cancel
                    // request for it): PolicyVersionSealTests measures the stop under a second.
                    await connection.WaitAsync(PollEvery, stopping).ConfigureAwait(false);
                    await CatchUpAsync(stopping).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A lost connection must never stop the following; it reconnects.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogListenFailed(logger, e.Message.ReplaceLineEndings(" "));
                try
                {
                    await Task.Delay(PollEvery, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _stopping.Dispose();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Policy version {Version} refused: its seal does not verify, so it was not recorded by the gateway " +
                                                     "(written into the version table directly?); version {InForce} stays in force")]
    private static partial void LogUnsealed(ILogger logger, int version, int inForce);

    [LoggerMessage(Level = LogLevel.Error, Message = "Policy version {Version} in force no longer verifies in the version table (changed there?): " +
                                                     "this process keeps the version it verified, a restart would not start")]
    private static partial void LogAltered(ILogger logger, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Policy versions: the host's shutdown timeout had passed before the follower was stopped " +
                                                       "(the services stopped before it took it all)")]
    private static partial void LogStopTimeoutSpent(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Policy versions: listening for new versions failed ({Reason}); trying again")]
    private static partial void LogListenFailed(ILogger logger, string reason);
}

/// <summary>The policy versions could not be read at start-up: the process does not start (fail closed).</summary>
public sealed class PolicyVersionsUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
