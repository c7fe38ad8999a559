using OrleansGate.Grains.Approvals;

namespace OrleansGate.Tests.Admin.TestOnly;

// ============================================================================================
// TEST-ONLY — DELETE AT MERGE. A minimal, in-memory stand-in for the approval grains, which
// another engineer implements in parallel (not on this branch). It exists only so the admin API,
// webhook and CLI tests have something behind IApprovalGrain / IApprovalIndexGrain. Once the real
// ApprovalGrain and ApprovalIndexGrain are merged, delete this file (two implementations of one
// grain interface cannot coexist) and the tests run against the real ones unchanged.
// ============================================================================================

/// <summary>TEST-ONLY stand-in for the real approval grain: no persistence, no audit events, no expiry timer.</summary>
public sealed class TestOnlyApprovalGrain(IApprovalNotifier notifier, TimeProvider clock) : Grain, IApprovalGrain
{
    private ApprovalView? _view;

    public async Task<ApprovalView> OpenAsync(ApprovalRequest request)
    {
        if (_view is null)
        {
            _view = new ApprovalView { Request = request };
            await GrainFactory.GetGrain<IApprovalIndexGrain>(0).AddAsync(request);
            await notifier.NotifyAsync(ApprovalEvent.ForRequest(request));
        }

        return _view;
    }

    public Task<ApprovalView?> GetAsync() => Task.FromResult(_view);

    public Task<ApprovalView?> WaitAsync(TimeSpan upTo) => Task.FromResult(_view);

    public async Task<ApprovalView> ApproveAsync(Approver approver, string? reason, TimeSpan? window)
    {
        var view = Check(approver);
        var now = clock.GetUtcNow();
        var approvals = view.Approvals.Where(v => v.Approver != approver.Identity).Append(new ApprovalVote(approver.Identity, reason, now)).ToList();
        view = approvals.Count >= view.Request.MinApprovals
            ? view with { Approvals = approvals, Status = ApprovalStatus.Granted, DecidedAt = now, WindowUntil = window is { } w ? now + w : null }
            : view with { Approvals = approvals };
        return await SetAsync(view);
    }

    public async Task<ApprovalView> DenyAsync(Approver approver, string reason)
    {
        var view = Check(approver);
        var now = clock.GetUtcNow();
        return await SetAsync(view with { Status = ApprovalStatus.Denied, Denial = new ApprovalVote(approver.Identity, reason, now), DecidedAt = now });
    }

    public async Task<ApprovalView?> WithdrawAsync(string reason)
    {
        if (_view is not { IsPending: true } view)
        {
            return _view;
        }

        return await SetAsync(view with { Status = ApprovalStatus.Withdrawn, Reason = reason, DecidedAt = clock.GetUtcNow() });
    }

    private ApprovalView Check(Approver approver)
    {
        if (_view is null)
        {
            throw new ApprovalRefusedException($"no approval request '{this.GetPrimaryKeyString()}'");
        }

        if (!_view.IsPending)
        {
            throw new ApprovalRefusedException($"approval {_view.Request.Id} is already {_view.Status.ToString().ToLowerInvariant()}");
        }

        if (approver.Identity == _view.Request.Requester)
        {
            throw new ApprovalRefusedException($"{approver.Identity} cannot approve or deny their own request");
        }

        if (!approver.Groups.Intersect(_view.Request.ApproverGroups).Any())
        {
            throw new ApprovalRefusedException($"{approver.Identity} is not in an approver group of this request ({string.Join(", ", _view.Request.ApproverGroups)})");
        }

        return _view;
    }

    private async Task<ApprovalView> SetAsync(ApprovalView view)
    {
        _view = view;
        if (!view.IsPending)
        {
            await GrainFactory.GetGrain<IApprovalIndexGrain>(0).RemoveAsync(view.Request.Id);
            await notifier.NotifyAsync(ApprovalEvent.ForOutcome(view));
        }

        return view;
    }
}

/// <summary>TEST-ONLY stand-in for the real pending index (in memory).</summary>
public sealed class TestOnlyApprovalIndexGrain : Grain, IApprovalIndexGrain
{
    private readonly Dictionary<string, ApprovalRequest> _pending = new(StringComparer.Ordinal);

    public Task AddAsync(ApprovalRequest request)
    {
        _pending[request.Id] = request;
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string approvalId)
    {
        _pending.Remove(approvalId);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ApprovalRequest>> PendingAsync() => Task.FromResult<IReadOnlyList<ApprovalRequest>>(_pending.Values.ToList());
}
