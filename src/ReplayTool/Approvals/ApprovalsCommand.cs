using System.CommandLine;
using OrleansGate.ReplayTool.Cli;

namespace OrleansGate.ReplayTool.Approvals;

/// <summary><c>approvals list|show|approve|deny</c>: held statements, through the admin API.</summary>
public static class ApprovalsCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var approvals = new Command("approvals", "Held statements waiting for a person: list, show, approve, deny (through the admin API)");
        approvals.Add(ApprovalsListCommand.Create(globals));
        approvals.Add(ApprovalsShowCommand.Create(globals));
        approvals.Add(ApprovalsApproveCommand.Create(globals));
        approvals.Add(ApprovalsDenyCommand.Create(globals));
        return approvals;
    }

    /// <summary>The approval id argument of show, approve and deny.</summary>
    internal static Argument<string> IdArgument() => new("ID") { Description = "The approval's id (ap-…), as the held client's notice and `approvals list` show it" };
}
