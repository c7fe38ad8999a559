using System.Security.Cryptography;
using System.Text;
using OrleansGate.Grains.Audit.Chain;

namespace OrleansGate.Grains.Approvals;

/// <summary>
/// Proofs that a call about an approval comes from the gateway's own parts, with keys derived from
/// the audit key (which neither the audit database nor anyone outside the gateway holds). Mutual
/// TLS keeps strangers off the grains' ports; these make each grain check its caller as well: the
/// approval grain takes an approve or deny only from the admin API, which vouches for the approver
/// it authenticated; a session grain records approval steps only from the approval grain.
/// </summary>
public sealed class ApprovalProofs(ChainKey keys, TimeProvider clock)
{
    /// <summary>How old a vouched approver may be when the approval grain sees it (clock skew between silos included).</summary>
    public static readonly TimeSpan VouchLifetime = TimeSpan.FromMinutes(2);

    private readonly byte[] _approverKey = keys.Derive("approver");
    private readonly byte[] _stepsKey = keys.Derive("approval-steps");
    private readonly byte[] _stateKey = keys.Derive("grain-state");

    /// <summary>The admin API vouches for an approver it authenticated, for one request.</summary>
    public Approver Vouch(string approvalId, Approver approver)
    {
        var at = clock.GetUtcNow();
        return approver with { VouchedAt = at, Proof = Convert.ToHexStringLower(ApproverMac(approvalId, approver, at)) };
    }

    /// <summary>True when the admin API vouched for this approver, for this request, recently.</summary>
    public bool IsVouched(string approvalId, Approver approver)
    {
        if (approver.Proof is not { Length: 64 } proof || (clock.GetUtcNow() - approver.VouchedAt).Duration() > VouchLifetime)
        {
            return false;
        }

        Span<byte> presented = stackalloc byte[32];
        return Convert.FromHexString(proof, presented, out _, out var written) == System.Buffers.OperationStatus.Done && written == 32
               && CryptographicOperations.FixedTimeEquals(presented, ApproverMac(approvalId, approver, approver.VouchedAt));
    }

    /// <summary>The approval grain's proof over the steps it asks a session to record.</summary>
    public string SignSteps(string sessionId, IReadOnlyList<object> steps) => Convert.ToHexStringLower(StepsMac(sessionId, steps));

    public bool AreSigned(string sessionId, IReadOnlyList<object> steps, string? proof)
    {
        if (proof is not { Length: 64 })
        {
            return false;
        }

        Span<byte> presented = stackalloc byte[32];
        return Convert.FromHexString(proof, presented, out _, out var written) == System.Buffers.OperationStatus.Done && written == 32
               && CryptographicOperations.FixedTimeEquals(presented, StepsMac(sessionId, steps));
    }

    /// <summary>The seal of a grain's state (<see cref="SealedState"/>).</summary>
    public string SealOf(string grain, byte[] state) => Convert.ToHexStringLower(StateMac(grain, state));

    public bool IsSeal(string grain, byte[] state, string? seal)
    {
        if (seal is not { Length: 64 })
        {
            return false;
        }

        Span<byte> presented = stackalloc byte[32];
        return Convert.FromHexString(seal, presented, out _, out var written) == System.Buffers.OperationStatus.Done && written == 32
               && CryptographicOperations.FixedTimeEquals(presented, StateMac(grain, state));
    }

    private byte[] StateMac(string grain, byte[] state)
    {
        using var mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _stateKey);
        mac.AppendData(Encoding.UTF8.GetBytes(grain + "\n"));
        mac.AppendData(state);
        return mac.GetHashAndReset();
    }

    private byte[] ApproverMac(string approvalId, Approver approver, DateTimeOffset at) =>
        HMACSHA256.HashData(_approverKey, Encoding.UTF8.GetBytes(
            string.Join('\n', [approvalId, approver.Identity, string.Join('\u001f', approver.Groups), at.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture)])));

    // Over each step's canonical bytes, as the chain hashes them: what is signed is what is recorded.
    private byte[] StepsMac(string sessionId, IReadOnlyList<object> steps)
    {
        using var mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _stepsKey);
        mac.AppendData(Encoding.UTF8.GetBytes(sessionId + "\n"));
        foreach (var step in steps)
        {
            var bytes = step is ChainedEvent chained ? ChainCanonical.Of(chained) : Encoding.UTF8.GetBytes(step.GetType().FullName ?? "?");
            mac.AppendData(BitConverter.GetBytes(bytes.Length));
            mac.AppendData(bytes);
        }

        return mac.GetHashAndReset();
    }
}
