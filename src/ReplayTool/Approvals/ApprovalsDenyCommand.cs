using System.CommandLine;
using OrleansGate.ReplayTool.Admin;
using OrleansGate.ReplayTool.Cli;

namespace OrleansGate.ReplayTool.Approvals;

/// <summary><c>approvals deny ID --reason R</c>, as the token's identity; the client is told the reason.</summary>
public static class ApprovalsDenyCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var id = ApprovalsCommand.IdArgument();
        var reason = new Option<string>("--reason") { Description = "Why (the held client is told)", Required = true };
        reason.Validators.Add(result =>
        {
            if (string.IsNullOrWhiteSpace(result.GetValueOrDefault<string>()))
            {
                result.AddError("--reason cannot be empty");
            }
        });
        var command = new Command("deny", "Deny a held request (never your own); the client gets 42501 with the reason") { id, reason };
        command.SetAction(ReplayCli.Guard(async (parse, cancellationToken) =>
        {
            using var client = new AdminClient(AdminEndpoint.From(parse, globals));
            var approvalId = parse.GetRequiredValue(id);
            var json = await client.PostAsync($"approvals/{Uri.EscapeDataString(approvalId)}/deny",
                new { reason = parse.GetRequiredValue(reason) }, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(globals.Json))
            {
                ApprovalsOutput.WriteJson(parse, json);
                return ExitCodes.Ok;
            }

            var item = ApprovalItem.From(json);
            await parse.InvocationConfiguration.Output.WriteLineAsync(
                $"denied {item.Id}: {item.Requester} on {item.Target} is told: {item.Denial?.Reason ?? parse.GetRequiredValue(reason)}")
                .ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
