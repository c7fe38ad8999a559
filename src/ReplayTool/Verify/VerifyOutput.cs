using System.CommandLine;
using System.Text.Json;
using OrleansGate.Grains.Audit.Verification;
using OrleansGate.ReplayTool.Approvals;
using Spectre.Console;

namespace OrleansGate.ReplayTool.Verify;

/// <summary>verify's report: a table per session for people, JSON for scripts.</summary>
internal static class VerifyOutput
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static void Write(ParseResult parse, bool json, IReadOnlyList<SessionVerdict> verdicts, ProjectionReport projections)
    {
        if (json)
        {
            var report = new
            {
                ok = verdicts.All(v => !v.Failed) && !projections.Failed,
                sessions = verdicts.Count,
                failed = verdicts.Count(v => v.Failed),
                results = verdicts.Select(v => new
                {
                    session = v.SessionId, status = v.Status, ok = !v.Failed, events = v.Events, lastPosition = v.LastPosition,
                    lastHash = v.LastHash, @sealed = v.Sealed, kind = v.Kind, position = v.Position, detail = v.Detail,
                }),
                projections = new { ok = !projections.Failed, problems = projections.Problems, notes = projections.Notes },
            };
            parse.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(report, Indented));
            return;
        }

        var console = ApprovalsOutput.Console(parse);
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var name in new[] { "SESSION", "STATUS", "EVENTS", "BROKEN AT", "KIND" })
        {
            table.AddColumn(new TableColumn(name).NoWrap());
        }

        table.AddColumn("DETAIL");
        foreach (var v in verdicts)
        {
            var status = v.Failed ? $"[red]{Markup.Escape(v.Status)}[/]"
                : v.Status == SessionStatus.Sealed ? $"[green]{v.Status}[/]" : $"[yellow]{Markup.Escape(v.Status)}[/]";
            table.AddRow(new Markup(Markup.Escape(v.SessionId)), new Markup(status), new Text(v.Events.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new Text(v.Position?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty), new Text(v.Kind ?? string.Empty),
                new Text(v.Detail ?? string.Empty));
        }

        console.Write(table);
        var failed = verdicts.Count(v => v.Failed);
        console.WriteLine(failed == 0
            ? $"{verdicts.Count} session(s) verified, none tampered."
            : $"{failed} of {verdicts.Count} session(s) FAILED verification.");
        if (failed > 0 && verdicts.Where(v => v.Failed).All(v => v.Position == 1 && v.Kind is BreakKind.Modified))
        {
            console.WriteLine("Every failure is at position 1: is this the gateway's AuditKey?");
        }

        foreach (var problem in projections.Problems)
        {
            console.WriteLine($"projection FAILED: {TerminalText.Safe(problem)}");
        }

        foreach (var note in projections.Notes)
        {
            console.WriteLine($"projection note: {TerminalText.Safe(note)}");
        }

        if (projections.Failed)
        {
            console.WriteLine("The tools' listings and queries read these documents: rebuild them from the verified events (projections rebuild).");
        }
    }
}
