using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace OrleansGate.ReplayTool.Approvals;

/// <summary>How the approvals commands print: Spectre.Console tables for people, indented JSON for scripts.</summary>
internal static class ApprovalsOutput
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static IAnsiConsole Console(ParseResult parse)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(parse.InvocationConfiguration.Output) });
        if (System.Console.IsOutputRedirected)
        {
            // Piped to a file or a pager: no terminal to fit, so do not squeeze ids into wrapped cells.
            console.Profile.Width = 160;
        }

        return console;
    }

    public static void WriteJson(ParseResult parse, JsonElement json) =>
        parse.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(json, Indented));

    public static void WriteList(IAnsiConsole console, IReadOnlyList<ApprovalItem> items, DateTimeOffset now)
    {
        if (items.Count == 0)
        {
            console.WriteLine("No pending approval requests.");
            return;
        }

        var table = new Table().Border(TableBorder.Rounded);
        foreach (var name in new[] { "ID", "REQUESTER", "TARGET", "RULE", "AGE", "EXPIRES IN" })
        {
            table.AddColumn(new TableColumn(name).NoWrap());
        }

        table.AddColumns("APPROVERS", "SQL");
        foreach (var item in items)
        {
            table.AddRow(Cell(item.Id), Cell(item.Requester), Cell(item.Target), Cell(item.Rule), Cell(Duration(item.Age)),
                Cell(Duration(item.Expires - now)), Cell(string.Join(", ", item.ApproverGroups)), Cell(Compact(item.Sql)));
        }

        console.Write(table);
    }

    public static void WriteDetails(IAnsiConsole console, ApprovalItem item)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        void Row(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                grid.AddRow(new Text(name, new Style(decoration: Decoration.Bold)), new Text(TerminalText.Safe(value)));
            }
        }

        Row("id", item.Id);
        Row("status", item.Status);
        Row("requester", item.Requester);
        Row("target", item.Target);
        Row("session", item.Session);
        Row("rule", item.Rule);
        Row("approvers", string.Join(", ", item.ApproverGroups) + (item.MinApprovals > 1 ? $" ({item.MinApprovals} needed)" : ""));
        Row("requested", Time(item.RequestedAt));
        Row("expires", Time(item.Expires));
        foreach (var vote in item.Approvals ?? [])
        {
            Row("approved by", $"{vote.Approver} at {Time(vote.At)}{(vote.Reason is null ? "" : $": {vote.Reason}")}");
        }

        if (item.Denial is { } denial)
        {
            Row("denied by", $"{denial.Approver} at {Time(denial.At)}: {denial.Reason}");
        }

        Row("window until", item.WindowUntil is { } until ? Time(until) : null);
        Row("decided", item.DecidedAt is { } decided ? Time(decided) : null);
        Row("reason", item.Reason);
        Row("sql", item.Sql);
        console.Write(grid);
    }

    private static Text Cell(string text) => new(TerminalText.Safe(text));

    private static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Duration(TimeSpan span) => span <= TimeSpan.Zero
        ? "0s"
        : span.TotalHours >= 1
            ? $"{(int)span.TotalHours}h{span.Minutes:00}m"
            : span.TotalMinutes >= 1 ? $"{span.Minutes}m{span.Seconds:00}s" : $"{span.Seconds}s";

    /// <summary>
    /// The held SQL for a table cell, never cut: a statement after a long run of spaces is the one
    /// an approver must not miss. Each line's runs of white space become one space.
    /// </summary>
    private static string Compact(string sql) => string.Join('\n', sql.ReplaceLineEndings("\n").Split('\n')
        .Select(line => string.Join(' ', line.Split((char[])[' ', '\t', '\v', '\f'], StringSplitOptions.RemoveEmptyEntries)))
        .Where(line => line.Length > 0));
}
