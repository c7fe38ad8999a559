using OrleansGate.Grains.Approvals;

namespace OrleansGate.Tests.Support;

/// <summary>Waits for the gateway to hold a statement: the pending request whose SQL matches, once it is listed.</summary>
public static class PendingApprovals
{
    public static async Task<ApprovalRequest> WaitForAsync(IGrainFactory grains, Func<string, bool> sqlMatches, string what)
    {
        var index = grains.GetGrain<IApprovalIndexGrain>(0);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if ((await index.PendingAsync()).FirstOrDefault(r => r.Statements.Any(sqlMatches)) is { } request)
            {
                return request;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"no pending approval for {what}");
    }
}
