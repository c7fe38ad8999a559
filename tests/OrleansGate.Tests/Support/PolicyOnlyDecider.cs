using OrleansGate.Grains.Approvals;
using OrleansGate.Grains.Policy;
using OrleansGate.Grains.Sessions;
using OrleansGate.Proxy.Decisions;

namespace OrleansGate.Tests.Support;

/// <summary>
/// The real policy engine without a silo or an audit store, for relay tests over in-memory pipes
/// that are about framing, not about recording. Every batch it decides is kept for inspection.
/// </summary>
internal sealed class PolicyOnlyDecider(PolicyOptions? policy = null) : ISessionDecider
{
    private static readonly SessionSubject Subject = new("alice", ["analysts"], "main");

    public List<IReadOnlyList<StatementRequest>> Batches { get; } = [];

    public Task<IReadOnlyList<Decision>> DecideAsync(IReadOnlyList<StatementRequest> batch, IReadOnlyList<StatementOutcome> completed,
        bool unsettled, CancellationToken cancellationToken)
    {
        Batches.Add(batch);
        return Task.FromResult<IReadOnlyList<Decision>>(batch.Select(r => PolicyEngine.Decide(r.Statement, Subject, policy)).ToArray());
    }

    /// <summary>No approval service here: a held request finds no approval and is refused.</summary>
    public Task<ApprovalView?> WaitForApprovalAsync(string approvalId, TimeSpan upTo, CancellationToken cancellationToken) =>
        Task.FromResult<ApprovalView?>(null);

    public Task<ApprovalView?> WithdrawApprovalAsync(string approvalId, string reason) => Task.FromResult<ApprovalView?>(null);

    public Task EndAsync(string reason, IReadOnlyList<StatementOutcome> completed) => Task.CompletedTask;
}
