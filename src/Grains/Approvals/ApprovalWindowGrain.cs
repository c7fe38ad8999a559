using Orleans.Runtime;
namespace OrleansGate.Grains.Approvals;

[GenerateSerializer]
public sealed class ApprovalWindowState : ISealedState
{
    [Id(2)] public string? Seal { get; set; }

    [Id(0)] public DateTimeOffset Until { get; set; }

    [Id(1)] public string ApprovalId { get; set; } = string.Empty;
}

/// <inheritdoc cref="IApprovalWindowGrain"/>
public sealed partial class ApprovalWindowGrain(
    [PersistentState("window", ApprovalGrain.Storage)] IPersistentState<ApprovalWindowState> window,
    TimeProvider clock, ApprovalProofs proofs, Microsoft.Extensions.Logging.ILogger<ApprovalWindowGrain> logger) : Grain, IApprovalWindowGrain
{
    private bool _intact = true;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A window nobody sealed (a row written into grain storage by hand) opens nothing.
        _intact = window.IsIntact(proofs, this.GetGrainId());
        if (!_intact)
        {
            LogTampered(logger, this.GetPrimaryKeyString());
        }

        return Task.CompletedTask;
    }

    public async Task OpenAsync(DateTimeOffset until, string approvalId)
    {
        if (_intact && window.RecordExists && window.State.Until >= until)
        {
            return;
        }

        window.State.Until = until;
        window.State.ApprovalId = approvalId;
        await window.WriteSealedAsync(proofs, this.GetGrainId()).ConfigureAwait(true);
        _intact = true;
    }

    public Task<ApprovalWindowView?> GetAsync() => Task.FromResult(
        _intact && window.RecordExists && clock.GetUtcNow() < window.State.Until
            ? new ApprovalWindowView(window.State.Until, window.State.ApprovalId)
            : null);

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Error,
        Message = "Approval window {Window}: its stored state does not carry the gateway's seal; it opens nothing")]
    private static partial void LogTampered(Microsoft.Extensions.Logging.ILogger logger, string window);
}
