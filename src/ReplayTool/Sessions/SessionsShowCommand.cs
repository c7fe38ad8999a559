using System.CommandLine;
using System.Globalization;
using OrleansGate.ReplayTool.Cli;
using OrleansGate.ReplayTool.Store;
using Spectre.Console;

namespace OrleansGate.ReplayTool.Sessions;

/// <summary><c>sessions show ID</c>: who and where, then the timeline table.</summary>
public static class SessionsShowCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var id = SessionsCommand.IdArgument();
        var command = new Command("show", "Show a session's timeline: every statement, its decision and rule, approvals, outcome, rows, duration") { id };
        command.SetAction(ReplayCli.Guard(async (parse, cancellationToken) =>
        {
            using var access = AuditStoreAccess.Open(parse, globals);
            var (summary, timeline) = await SessionsCommand.LoadAsync(access, parse.GetValue(id)!, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(globals.Json))
            {
                Output.WriteJson(parse, new { Summary = summary, Timeline = timeline });
                return ExitCodes.Ok;
            }

            var console = Output.Console(parse);
            var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
            void Row(string name, string? value)
            {
                if (!string.IsNullOrEmpty(value))
                {
                    grid.AddRow(new Text(name, new Style(decoration: Decoration.Bold)), new Text(value));
                }
            }

            Row("session", summary.Id);
            Row("identity", $"{summary.Identity} ({string.Join(", ", summary.Groups)})");
            Row("target", summary.Target);
            Row("client", $"{summary.ClientAddress ?? "?"}{(summary.Tls ? " (TLS)" : "")}");
            Row("application", summary.ApplicationName);
            Row("start", Output.Time(summary.Start));
            Row("end", summary.End is { } end ? $"{Output.Time(end)} ({summary.EndReason})" : "(open)");
            Row("statements", string.Create(CultureInfo.InvariantCulture,
                $"{summary.Statements}: {summary.Allowed} allowed, {summary.Masked} masked, {summary.Held} held, {summary.Blocked} blocked, {summary.Failed} failed"));
            Row("rows out", string.Create(CultureInfo.InvariantCulture, $"{summary.RowsOut} ({summary.MaskedValues} values masked)"));
            console.Write(grid);

            var table = Output.Table("#", "AT", "KIND", "SQL", "DECISION", "MASKED", "APPROVAL", "OUTCOME", "ROWS", "MS");
            foreach (var e in timeline.Entries)
            {
                var decision = e.Action is null ? "(none)" : $"{e.Action} ({e.Rule})";
                var outcome = e.Outcome switch
                {
                    null => "",
                    "Failed" => $"ERROR {e.ErrorSqlState}: {e.ErrorMessage}",
                    "Completed" or "Suspended" => e.CommandTag ?? e.Outcome,
                    _ => e.Outcome,
                };
                var masked = string.Join(", ", e.MaskedColumns) + (e.MaskedValues > 0 ? $" [{e.MaskedValues} values]" : "");
                table.AddRow(Output.Cell(e.Sequence), Output.Cell($"+{e.OffsetMs / 1000:0.000}s"), Output.Cell(e.Kind),
                    Output.Cell(Output.OneLine(e.Sql, 60)), Output.Cell(decision), Output.Cell(masked),
                    Output.Cell(string.Join("; ", e.ApprovalSteps)), Output.Cell(outcome), Output.Cell(e.Rows),
                    Output.Cell(e.DurationMs is { } ms ? ms.ToString("0.0", CultureInfo.InvariantCulture) : ""));
            }

            console.Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
