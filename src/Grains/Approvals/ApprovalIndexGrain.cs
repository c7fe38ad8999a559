using Orleans.Runtime;
using Microsoft.Extensions.Logging;

namespace OrleansGate.Grains.Approvals;

[GenerateSerializer]
public sealed class ApprovalIndexState : ISealedState
{
    [Id(1)] public string? Seal { get; set; }

    /// <summary>The pending requests by id.</summary>
    [Id(0)] public Dictionary<string, ApprovalRequest> Pending { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The cluster's pending requests, persisted in grain storage <c>approvals</c> so the list
/// survives a silo restart. Each approval grain adds itself when opened and removes itself when
/// it stops being pending. A request past its deadline is not listed, and its grain is woken
/// (without waiting for it) so that it expires, records that and removes itself.
/// </summary>
public sealed partial class ApprovalIndexGrain(
    [PersistentState("index", ApprovalGrain.Storage)] IPersistentState<ApprovalIndexState> index,
    TimeProvider clock, ApprovalProofs proofs, ILogger<ApprovalIndexGrain> logger) : Grain, IApprovalIndexGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!index.IsIntact(proofs, this.GetGrainId()))
        {
            // Requests listed by hand are not requests; the real ones add themselves again when next touched.
            LogTampered(logger);
            index.State = new ApprovalIndexState();
        }

        return Task.CompletedTask;
    }

    public async Task AddAsync(ApprovalRequest request)
    {
        if (index.State.Pending.TryAdd(request.Id, request))
        {
            await index.WriteSealedAsync(proofs, this.GetGrainId()).ConfigureAwait(true);
        }
    }

    public async Task RemoveAsync(string approvalId)
    {
        if (index.State.Pending.Remove(approvalId))
        {
            await index.WriteSealedAsync(proofs, this.GetGrainId()).ConfigureAwait(true);
        }
    }

    public Task<IReadOnlyList<ApprovalRequest>> PendingAsync()
    {
        var now = clock.GetUtcNow();
        foreach (var overdue in index.State.Pending.Values.Where(r => r.ExpiresAt <= now))
        {
            // Not awaited: the approval grain calls RemoveAsync back, which would wait for this call.
            GrainFactory.GetGrain<IApprovalGrain>(overdue.Id).GetAsync().ContinueWith(
                t => LogWakeFailed(logger, overdue.Id, t.Exception?.GetBaseException().Message ?? string.Empty),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Current);
        }

        IReadOnlyList<ApprovalRequest> pending = index.State.Pending.Values.Where(r => r.ExpiresAt > now).OrderBy(r => r.RequestedAt).ToArray();
        return Task.FromResult(pending);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The approvals index's stored state does not carry the gateway's seal; it is ignored")]
    private static partial void LogTampered(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Approval {ApprovalId} is overdue and could not be woken to expire: {Reason}")]
    private static partial void LogWakeFailed(ILogger logger, string approvalId, string reason);
}
