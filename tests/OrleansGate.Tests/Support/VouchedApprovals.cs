using OrleansGate.Grains.Approvals;
using OrleansGate.Grains.Audit.Chain;

namespace OrleansGate.Tests.Support;

/// <summary>
/// Approving and denying as the admin API does: it vouches for the approver it authenticated
/// (every test gateway has the same audit key, from which the proof's key is derived).
/// </summary>
public static class VouchedApprovals
{
    public static readonly ApprovalProofs Proofs = new(new ChainKey(GatewayConfig.AuditKey), TimeProvider.System);

    public static Task<ApprovalView> ApproveVouchedAsync(this IApprovalGrain grain, Approver approver, string? reason, TimeSpan? window) =>
        grain.ApproveAsync(Proofs.Vouch(grain.GetPrimaryKeyString(), approver), reason, window);

    public static Task<ApprovalView> DenyVouchedAsync(this IApprovalGrain grain, Approver approver, string reason) =>
        grain.DenyAsync(Proofs.Vouch(grain.GetPrimaryKeyString(), approver), reason);
}
