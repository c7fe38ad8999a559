using System.CommandLine;
using OrleansGate.ReplayTool.Admin;
using OrleansGate.ReplayTool.Cli;

namespace OrleansGate.ReplayTool.Approvals;

/// <summary><c>approvals show ID [--json]</c>: one request, pending or decided.</summary>
public static class ApprovalsShowCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var id = ApprovalsCommand.IdArgument();
        var command = new Command("show", "Show one approval request, pending or decided") { id };
        command.SetAction(ReplayCli.Guard(async (parse, cancellationToken) =>
        {
            using var client = new AdminClient(AdminEndpoint.From(parse, globals));
            var json = await client.GetAsync($"approvals/{Uri.EscapeDataString(parse.GetRequiredValue(id))}", cancellationToken)
                .ConfigureAwait(false);
            if (parse.GetValue(globals.Json))
            {
                ApprovalsOutput.WriteJson(parse, json);
            }
            else
            {
                ApprovalsOutput.WriteDetails(ApprovalsOutput.Console(parse), ApprovalItem.From(json));
            }

            return ExitCodes.Ok;
        }));
        return command;
    }
}
