namespace OrleansGate.Grains.Approvals;

/// <summary>
/// Bounds on what an approver sends: a window is stored and compared as a time, and a reason is
/// recorded in the session's chain and shown to the held client, so neither may be unbounded.
/// </summary>
public static class ApprovalLimits
{
    /// <summary>The longest window an approval may open.</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(30);

    /// <summary>The longest reason an approve or deny may carry, in characters.</summary>
    public const int MaxReasonLength = 1000;

    /// <summary>Why <paramref name="reason"/> is refused, or null.</summary>
    public static string? ReasonProblem(string? reason) =>
        reason is { Length: > MaxReasonLength } ? $"a reason may be at most {MaxReasonLength} characters (got {reason.Length})" : null;

    public static void CheckReason(string? reason)
    {
        if (ReasonProblem(reason) is { } problem)
        {
            throw new ApprovalRefusedException(problem);
        }
    }
}
