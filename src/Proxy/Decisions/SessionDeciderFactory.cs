using Microsoft.Extensions.Logging;
using OrleansGate.Grains.Audit;
using OrleansGate.Grains.Sessions;
using OrleansGate.Grains.Sessions.Leases;

namespace OrleansGate.Proxy.Decisions;

/// <summary>Opens the decision point of a new session: a fresh session grain, started.</summary>
/// <remarks>
/// <paramref name="localCommits"/>: present when silo and proxy share a process (all-in-one, or a
/// silo's own proxy); a standalone proxy has none, and its grains wait for their commits themselves.
/// <paramref name="leases"/>: present in the same case; the session grains lend their decision to it.
/// </remarks>
public sealed class SessionDeciderFactory(IGrainFactory grains, ILogger<GrainSessionDecider> logger, LocalAuditCommits? localCommits = null,
    LocalSessionLeases? leases = null)
{
    /// <summary>The end of a session whose start was not known to be recorded in time (the login was refused).</summary>
    public const string NotStarted = "failure: the login was refused, its SessionStarted not recorded in time";

    /// <summary>A new session id: the proxy knows it before the session opens (it names the session upstream too).</summary>
    public static string NewSessionId() => Guid.NewGuid().ToString("N");

    public async Task<ISessionDecider> OpenAsync(SessionStart start, TimeSpan timeout, CancellationToken cancellationToken, string? sessionId = null)
    {
        var grain = grains.GetGrain<ISessionGrain>(sessionId ?? NewSessionId());
        var decider = new GrainSessionDecider(grain, grains, timeout, logger, localCommits, leases);
        try
        {
            await grain.StartAsync(start).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // The login is refused, but the SessionStarted this wait gave up on may still be
            // committed (a commit slower than the timeout): the end follows it, so no stream is left
            // open. (A start the grain reported failed needs nothing: during an outage, every
            // refused login would otherwise leave a retry behind.)
            _ = decider.EndAsync(NotStarted, []);
            throw;
        }

        return decider;
    }

    /// <summary>Records a refused login in a stream of its own (throws when the record cannot be written).</summary>
    public Task RecordRefusalAsync(LoginRefusal refusal, TimeSpan timeout, CancellationToken cancellationToken) =>
        grains.GetGrain<ISessionGrain>(NewSessionId()).RefuseLoginAsync(refusal).WaitAsync(timeout, cancellationToken);
}
