using Orleans.Runtime;
using Microsoft.Extensions.Logging;
using OrleansGate.Grains.Sessions;

namespace OrleansGate.Grains.Approvals;

/// <summary>
/// One held request. Every change is written to grain storage first; only then is it published
/// to waiters and carried out: recorded in the session's stream (through the session grain, the
/// stream's one writer), a window opened, the index updated. A consequence that fails is logged
/// and retried on the next call or activation; the decision stands.
/// </summary>
/// <remarks>
/// Only <see cref="WaitAsync"/> interleaves. It reads <see cref="_published"/>, an immutable view
/// replaced only after a write succeeded, and the completion source, and changes nothing; every
/// change happens in the other calls and the expiry timer, which Orleans runs one at a time.
/// Expiry is checked at activation, at the start of every call and by a timer while active, so
/// a request whose silo went away expires correctly when it is next touched.
/// </remarks>
public sealed partial class ApprovalGrain(
    [PersistentState("approval", ApprovalGrain.Storage)] IPersistentState<ApprovalState> stored,
    TimeProvider clock, IApprovalNotifier notifier, ApprovalProofs proofs, Microsoft.Extensions.Hosting.IHostApplicationLifetime lifetime,
    ILogger<ApprovalGrain> logger) : Grain, IApprovalGrain
{
    /// <summary>The grain storage approvals, their windows and the index are kept in.</summary>
    public const string Storage = "approvals";

    /// <summary>A wait never runs longer than this, well under Orleans' 30 s call timeout.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(20);

    private readonly TaskCompletionSource<ApprovalView> _decided = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ApprovalView? _published;
    private IGrainTimer? _expiry;

    private string Id => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!stored.IsIntact(proofs, this.GetGrainId()))
        {
            // State nobody sealed (written into grain storage by hand): there is no such request.
            LogTampered(logger, Id);
            stored.State = new ApprovalState();
        }

        if (stored.State.View is { IsPending: true } pending)
        {
            Publish(pending);
        }

        // A decision is published by CatchUpAsync once its steps are in the record.
        await CatchUpAsync().ConfigureAwait(true);
    }

    public async Task<ApprovalView> OpenAsync(ApprovalRequest request)
    {
        if (!string.Equals(request.Id, Id, StringComparison.Ordinal))
        {
            throw new ArgumentException($"request {request.Id} opened on approval grain {Id}", nameof(request));
        }

        if (stored.State.View is null)
        {
            await ChangeAsync(new ApprovalView { Request = request }, []).ConfigureAwait(true);
            LogOpened(logger, Id, request.SessionId, request.Rule, request.ExpiresAt);
        }
        else
        {
            await CatchUpAsync().ConfigureAwait(true);
        }

        return stored.State.View!;
    }

    public async Task<ApprovalView?> GetAsync()
    {
        await CatchUpAsync().ConfigureAwait(true);
        if (stored.State.View is null)
        {
            DeactivateOnIdle();
        }

        return stored.State.View;
    }

    public async Task<ApprovalView?> WaitAsync(TimeSpan upTo)
    {
        var view = _published;
        if (view is null || !view.IsPending)
        {
            return view;
        }

        var untilExpiry = view.Request.ExpiresAt - clock.GetUtcNow();
        var wait = Min(Min(upTo, MaxWait), untilExpiry < TimeSpan.Zero ? TimeSpan.Zero : untilExpiry + TimeSpan.FromMilliseconds(50));
        // The silo stopping ends the wait: its grains are about to be deactivated, and a
        // deactivation waits for the calls in flight — this one included, and the call to itself
        // below would wait for the deactivation (it took the stop's whole 20 s). The waiter asks again.
        var stopping = lifetime.ApplicationStopping;
        try
        {
            return await _decided.Task.WaitAsync(wait, clock, stopping).ConfigureAwait(true);
        }
        catch (TimeoutException)
        {
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return _published;
        }

        // Past the deadline and the timer has not run yet (e.g. a fresh activation): a regular,
        // non-interleaved call expires it.
        return _published is { IsPending: true } pending && clock.GetUtcNow() >= pending.Request.ExpiresAt && !stopping.IsCancellationRequested
            ? await this.AsReference<IApprovalGrain>().GetAsync().ConfigureAwait(true)
            : _published;
    }

    public async Task<ApprovalView> ApproveAsync(Approver approver, string? reason, TimeSpan? window)
    {
        var view = await PendingForAsync(approver, "approve").ConfigureAwait(true);
        if (view.Approvals.Any(v => string.Equals(v.Approver, approver.Identity, StringComparison.Ordinal)))
        {
            throw new ApprovalRefusedException(
                $"{approver.Identity} has approved {Id} already; it needs {view.Request.MinApprovals} different approvers");
        }

        if (window is { } w && (w <= TimeSpan.Zero || w > ApprovalLimits.MaxWindow))
        {
            throw new ApprovalRefusedException($"a window must be longer than zero and at most {ApprovalLimits.MaxWindow.TotalDays:0} days (got {w})");
        }

        ApprovalLimits.CheckReason(reason);

        var now = clock.GetUtcNow();
        var approvals = view.Approvals.Append(new ApprovalVote(approver.Identity, reason, now)).ToArray();
        var windows = stored.State.VoteWindows.Append(window).ToList();
        var granted = approvals.Length >= view.Request.MinApprovals;

        // A window only when every approver asked for one, and then the shortest.
        var windowUntil = granted && windows.All(x => x is not null) ? now + windows.Min(x => x!.Value) : (DateTimeOffset?)null;
        var next = view with
        {
            Approvals = approvals,
            Status = granted ? ApprovalStatus.Granted : ApprovalStatus.Pending,
            DecidedAt = granted ? now : null,
            WindowUntil = windowUntil,
        };
        await ChangeAsync(next, windows).ConfigureAwait(true);
        LogApproved(logger, Id, approver.Identity, approvals.Length, view.Request.MinApprovals);
        return next;
    }

    public async Task<ApprovalView> DenyAsync(Approver approver, string reason)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new ApprovalRefusedException("a denial needs a reason; the client is shown it");
        }

        ApprovalLimits.CheckReason(reason);

        var view = await PendingForAsync(approver, "deny").ConfigureAwait(true);
        var now = clock.GetUtcNow();
        var next = view with { Status = ApprovalStatus.Denied, Denial = new ApprovalVote(approver.Identity, reason, now), DecidedAt = now };
        await ChangeAsync(next, stored.State.VoteWindows).ConfigureAwait(true);
        LogDenied(logger, Id, approver.Identity);
        return next;
    }

    public async Task<ApprovalView?> WithdrawAsync(string reason)
    {
        await CatchUpAsync().ConfigureAwait(true);
        if (stored.State.View is not { IsPending: true } view)
        {
            return stored.State.View;
        }

        var next = view with { Status = ApprovalStatus.Withdrawn, Reason = reason, DecidedAt = clock.GetUtcNow() };
        await ChangeAsync(next, stored.State.VoteWindows).ConfigureAwait(true);
        return next;
    }

    /// <summary>The request, if it is pending and the approver may act on it; otherwise a refusal that says why.</summary>
    private async Task<ApprovalView> PendingForAsync(Approver approver, string verb)
    {
        // Only the admin API, which authenticated the approver, can vouch for one: a caller that
        // reached the grain some other way cannot approve as anyone.
        if (!proofs.IsVouched(Id, approver))
        {
            LogUnvouched(logger, Id, approver.Identity, verb);
            throw new ApprovalRefusedException($"cannot {verb} {Id}: the approver was not authenticated by the admin API");
        }

        await CatchUpAsync().ConfigureAwait(true);
        if (stored.State.View is not { } view)
        {
            DeactivateOnIdle();
            throw new ApprovalRefusedException($"there is no approval request {Id}");
        }

        if (!view.IsPending)
        {
            throw new ApprovalRefusedException($"approval request {Id} is {view.Status.ToString().ToLowerInvariant()} already; it can no longer be changed");
        }

        if (string.Equals(approver.Identity, view.Request.Requester, StringComparison.Ordinal))
        {
            throw new ApprovalRefusedException($"{approver.Identity} cannot {verb} {Id}: it is their own request");
        }

        if (!view.Request.ApproverGroups.Any(g => approver.Groups.Contains(g, StringComparer.Ordinal)))
        {
            throw new ApprovalRefusedException(
                $"{approver.Identity} cannot {verb} {Id}: only members of {string.Join(", ", view.Request.ApproverGroups)} can");
        }

        return view;
    }

    /// <summary>Persists the new view (and only then publishes it), then carries out its consequences.</summary>
    private async Task ChangeAsync(ApprovalView next, List<TimeSpan?> windows)
    {
        var (previousView, previousWindows) = (stored.State.View, stored.State.VoteWindows);
        stored.State.View = next;
        stored.State.VoteWindows = windows;
        try
        {
            await stored.WriteSealedAsync(proofs, this.GetGrainId()).ConfigureAwait(true);
        }
        catch
        {
            (stored.State.View, stored.State.VoteWindows) = (previousView, previousWindows);
            throw;
        }

        if (next.IsPending)
        {
            // A vote short of the count lets nothing go; a decision is published once recorded (CarryOutAsync).
            Publish(next);
        }

        if (previousView is null || (previousView.IsPending && !next.IsPending))
        {
            // The webhook hears of every new request and every outcome (it only queues: never blocks the hold).
            await notifier.NotifyAsync(previousView is null ? ApprovalEvent.ForRequest(next.Request) : ApprovalEvent.ForOutcome(next))
                .ConfigureAwait(true);
        }

        await CarryOutAsync().ConfigureAwait(true);
    }

    /// <summary>Expires the request when its time is up, and retries whatever consequence is still owed.</summary>
    private async Task CatchUpAsync()
    {
        if (stored.State.View is { IsPending: true } view && clock.GetUtcNow() >= view.Request.ExpiresAt)
        {
            await ChangeAsync(view with
            {
                Status = ApprovalStatus.Expired,
                DecidedAt = clock.GetUtcNow(),
                Reason = $"nobody decided before {view.Request.ExpiresAt:u}",
            }, stored.State.VoteWindows).ConfigureAwait(true);
            LogExpired(logger, Id);
            return;
        }

        await CarryOutAsync().ConfigureAwait(true);
    }

    private async Task CarryOutAsync()
    {
        var state = stored.State;
        if (state.View is not { } view)
        {
            return;
        }

        // First the record: the decision's steps in the session's stream. Audit first applies to
        // approvals too: a window opens, and a held statement is let go (Publish), only once the
        // ApprovalGranted that allows it is committed.
        var changed = false;
        var steps = ApprovalState.Steps(state);
        if (steps.Count > state.Recorded)
        {
            var total = steps.Count;
            var pending = steps[state.Recorded..];
            changed |= await TryAsync("record it in the session's stream", async () =>
            {
                await GrainFactory.GetGrain<ISessionGrain>(view.Request.SessionId)
                    .RecordApprovalAsync(pending, proofs.SignSteps(view.Request.SessionId, pending)).ConfigureAwait(true);
                state.Recorded = total;
            }).ConfigureAwait(true);
        }

        var recorded = state.Recorded >= steps.Count;
        if (recorded && view.Status == ApprovalStatus.Granted && view.WindowUntil is { } until && !state.WindowStored)
        {
            changed |= await TryAsync("open its window", async () =>
            {
                await GrainFactory.GetGrain<IApprovalWindowGrain>(ApprovalWindowKey.For(view.Request)).OpenAsync(until, Id).ConfigureAwait(true);
                state.WindowStored = true;
            }).ConfigureAwait(true);
        }

        var index = GrainFactory.GetGrain<IApprovalIndexGrain>(0);
        if (view.IsPending && !state.Listed)
        {
            changed |= await TryAsync("list it", async () =>
            {
                await index.AddAsync(view.Request).ConfigureAwait(true);
                state.Listed = true;
            }).ConfigureAwait(true);
        }
        else if (!view.IsPending && !state.Unlisted)
        {
            changed |= await TryAsync("remove it from the list", async () =>
            {
                await index.RemoveAsync(Id).ConfigureAwait(true);
                state.Unlisted = true;
            }).ConfigureAwait(true);
        }

        if (changed)
        {
            await TryAsync("save its progress", () => stored.WriteSealedAsync(proofs, this.GetGrainId())).ConfigureAwait(true);
        }

        if (recorded)
        {
            Publish(view);
        }
    }

    private async Task<bool> TryAsync(string what, Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(true);
            return true;
        }
#pragma warning disable CA1031 // The decision is persisted; a consequence that fails is logged and retried on the next call.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogConsequenceFailed(logger, Id, what, e.Message);
            return false;
        }
    }

    private void Publish(ApprovalView? view)
    {
        _published = view;
        if (view is null)
        {
            return;
        }

        if (!view.IsPending)
        {
            _expiry?.Dispose();
            _expiry = null;
            _decided.TrySetResult(view);
        }
        else if (_expiry is null)
        {
            var due = view.Request.ExpiresAt - clock.GetUtcNow();
            // Keeps the grain active until the deadline, so expiry does not wait for the next call.
            _expiry = this.RegisterGrainTimer(_ => CatchUpAsync(),
                new GrainTimerCreationOptions(due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [LoggerMessage(Level = LogLevel.Information, Message = "Approval {ApprovalId} opened for session {SessionId} by rule {Rule}, expires {ExpiresAt}")]
    private static partial void LogOpened(ILogger logger, string approvalId, string sessionId, string rule, DateTimeOffset expiresAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Approval {ApprovalId} approved by {Approver} ({Count} of {Needed})")]
    private static partial void LogApproved(ILogger logger, string approvalId, string approver, int count, int needed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Approval {ApprovalId} denied by {Approver}")]
    private static partial void LogDenied(ILogger logger, string approvalId, string approver);

    [LoggerMessage(Level = LogLevel.Information, Message = "Approval {ApprovalId} expired")]
    private static partial void LogExpired(ILogger logger, string approvalId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Approval {ApprovalId}: its stored state does not carry the gateway's seal; it is ignored")]
    private static partial void LogTampered(ILogger logger, string approvalId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Approval {ApprovalId}: refused to {Verb} for {Approver}: not vouched for by the admin API")]
    private static partial void LogUnvouched(ILogger logger, string approvalId, string approver, string verb);

    [LoggerMessage(Level = LogLevel.Error, Message = "Approval {ApprovalId}: could not {What}, will retry on the next call: {Reason}")]
    private static partial void LogConsequenceFailed(ILogger logger, string approvalId, string what, string reason);
}
