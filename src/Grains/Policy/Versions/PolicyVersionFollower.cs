using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansGate.Grains.Configuration;

namespace OrleansGate.Grains.Policy.Versions;

/// <summary>
/// Keeps this process (a silo, or a standalone proxy) on the newest policy version. At start-up,
/// before the silo or the proxy's listener starts, it puts the newest stored version in force —
/// on a silo after recording the file's policies (version 1 when none is stored) — and a version
/// store that cannot be read, or a version that does not validate here, stops the process with
/// one line: it never runs with policies other than the ones recorded as in force.
/// </summary>
/// <remarks>
/// Why PostgreSQL LISTEN/NOTIFY rather than an Orleans broadcast: the version store is the source
/// of truth, and its commit sends the notification (nothing is announced that did not commit);
/// standalone proxies, which are Orleans clients and not silos, hear it the same way as silos; and
/// a process that missed a notification (its listening connection dropped) catches up with the
/// periodic check, which reads the newest version every <see cref="PollEvery"/> whatever happens.
/// </remarks>
public sealed partial class PolicyVersionFollower(PolicyVersionStore store, GatewayConfiguration gateway, PolicyVersionRecorder? recorder,
    string storeKey, ILogger<PolicyVersionFollower> logger) : IHostedService, IAsyncDisposable
{
    /// <summary>The periodic check behind the notifications.</summary>
    public static readonly TimeSpan PollEvery = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _stopping = new();
    private Task _listening = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        PolicyVersion newest;
        try
        {
            if (recorder is not null)
            {
                await store.EnsureTableAsync(cancellationToken).ConfigureAwait(false);
                await recorder.RecordFileAsync(gateway.FilePolicies, cancellationToken).ConfigureAwait(false);
            }

            newest = await store.NewestAsync(cancellationToken).ConfigureAwait(false)
                     ?? throw new PolicyVersionsUnavailableException($"{storeKey}: no policy version is stored yet for service " +
                                                                     $"'{store.ServiceId}' (a silo records the first one at its start-up)");
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or Audit.AuditUnavailableException)
        {
            throw new PolicyVersionsUnavailableException(
                $"{storeKey}: the policy versions cannot be read or recorded, so the policies in force are unknown: {e.Message.ReplaceLineEndings(" ")}", e);
        }

        if (gateway.UsePolicies(newest) is [var problem, ..])
        {
            throw new PolicyVersionsUnavailableException($"policy version {newest.Number} does not validate with this configuration: {problem}");
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

    /// <summary>Reads the newest version and puts it in force when it is newer than the one in force.</summary>
    public async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        if (await store.NewestAsync(cancellationToken).ConfigureAwait(false) is { } newest
            && newest.Number > (gateway.PolicyVersion?.Number ?? 0))
        {
            gateway.UsePolicies(newest);
        }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Policy versions: listening for new versions failed ({Reason}); trying again")]
    private static partial void LogListenFailed(ILogger logger, string reason);
}

/// <summary>The policy versions could not be read at start-up: the process does not start (fail closed).</summary>
public sealed class PolicyVersionsUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
