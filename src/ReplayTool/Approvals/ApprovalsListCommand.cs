using System.CommandLine;
using OrleansGate.ReplayTool.Admin;
using OrleansGate.ReplayTool.Cli;

namespace OrleansGate.ReplayTool.Approvals;

/// <summary><c>approvals list [--json]</c>: the pending requests.</summary>
public static class ApprovalsListCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var command = new Command("list", "List the pending approval requests");
        command.SetAction(ReplayCli.Guard(async (parse, cancellationToken) =>
        {
            using var client = new AdminClient(AdminEndpoint.From(parse, globals));
            var json = await client.GetAsync("approvals", cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(globals.Json))
            {
                ApprovalsOutput.WriteJson(parse, json);
            }
            else
            {
                ApprovalsOutput.WriteList(ApprovalsOutput.Console(parse), json.EnumerateArray().Select(ApprovalItem.From).ToList(),
                    DateTimeOffset.UtcNow);
            }

            return ExitCodes.Ok;
        }));
        return command;
    }
}
