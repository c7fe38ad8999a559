using System.CommandLine;
using System.Globalization;
using OrleansGate.ReplayTool.Admin;
using OrleansGate.ReplayTool.Cli;

namespace OrleansGate.ReplayTool.Approvals;

/// <summary><c>approvals approve ID [--reason R] [--window DURATION]</c>, as the token's identity.</summary>
public static class ApprovalsApproveCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var id = ApprovalsCommand.IdArgument();
        var reason = new Option<string?>("--reason") { Description = "Why (recorded with the approval)" };
        var window = new Option<string?>("--window")
        {
            Description = "For this long (e.g. 10m, 1h, 00:30:00), let the same identity on the same target run statements with the same " +
                          "fingerprint without a new hold: the same statements with any constants and parameter values, not only these",
        };
        window.Validators.Add(result =>
        {
            if (!DurationText.TryParse(result.GetValueOrDefault<string?>(), out _))
            {
                result.AddError($"--window: '{result.GetValueOrDefault<string?>()}' is not a positive duration (e.g. 10m, 1h30m, 00:10:00)");
            }
        });
        var command = new Command("approve", "Approve a held request (never your own)") { id, reason, window };
        command.SetAction(ReplayCli.Guard(async (parse, cancellationToken) =>
        {
            string? span = null;
            if (parse.GetValue(window) is { } text && DurationText.TryParse(text, out var duration))
            {
                span = duration.ToString("c", CultureInfo.InvariantCulture);
            }

            using var client = new AdminClient(AdminEndpoint.From(parse, globals));
            var approvalId = parse.GetRequiredValue(id);
            var json = await client.PostAsync($"approvals/{Uri.EscapeDataString(approvalId)}/approve",
                new { reason = parse.GetValue(reason), window = span }, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(globals.Json))
            {
                ApprovalsOutput.WriteJson(parse, json);
                return ExitCodes.Ok;
            }

            var item = ApprovalItem.From(json);
            var given = item.Approvals?.Count ?? 0;
            await parse.InvocationConfiguration.Output.WriteLineAsync(item.Status == "granted"
                ? $"approved {item.Id}: the held statement of {item.Requester} on {item.Target} goes ahead" +
                  (item.WindowUntil is { } until ? $" (window until {until.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z)" : "")
                : $"approval of {item.Id} recorded ({given} of {item.MinApprovals}); it is still {item.Status}").ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
