using Orleans.Runtime;
namespace OrleansGate.Grains.Approvals;

[GenerateSerializer]
public sealed class ApprovalWindowState
{
    [Id(0)] public DateTimeOffset Until { get; set; }

    [Id(1)] public string ApprovalId { get; set; } = string.Empty;
}

/// <inheritdoc cref="IApprovalWindowGrain"/>
public sealed class ApprovalWindowGrain(
    [PersistentState("window", ApprovalGrain.Storage)] IPersistentState<ApprovalWindowState> window,
    TimeProvider clock) : Grain, IApprovalWindowGrain
{
    public async Task OpenAsync(DateTimeOffset until, string approvalId)
    {
        if (window.RecordExists && window.State.Until >= until)
        {
            return;
        }

        window.State.Until = until;
        window.State.ApprovalId = approvalId;
        await window.WriteStateAsync().ConfigureAwait(true);
    }

    public Task<ApprovalWindowView?> GetAsync() => Task.FromResult(
        window.RecordExists && clock.GetUtcNow() < window.State.Until
            ? new ApprovalWindowView(window.State.Until, window.State.ApprovalId)
            : null);
}
