using System.CommandLine;
using Marten;
using OrleansGate.Grains.Audit.Projections;
using OrleansGate.ReplayTool.Cli;
using OrleansGate.ReplayTool.Store;
using Spectre.Console;

namespace OrleansGate.ReplayTool.Sessions;

/// <summary><c>sessions list [--identity I] [--target T] [--since TIME] [--until TIME] [--decision D]</c>, from SessionSummary.</summary>
public static class SessionsListCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var identity = new Option<string?>("--identity") { Description = "Only this identity's sessions" };
        var target = new Option<string?>("--target") { Description = "Only sessions on this target" };
        var since = new Option<string?>("--since") { Description = "Sessions that started at or after this time (ISO 8601, or 30m/2h/7d ago)" };
        var until = new Option<string?>("--until") { Description = "Sessions that started before this time" };
        var decision = new Option<string?>("--decision") { Description = "Only sessions with at least one statement decided so" };
        decision.AcceptOnlyFromAmong([.. SessionSummaryFilter.Decisions]);
        var limit = new Option<int>("--limit") { Description = "At most this many sessions, newest first (default 500)", DefaultValueFactory = _ => 500 };

        var command = new Command("list", "List recorded sessions (oldest first within the newest --limit)") { identity, target, since, until, decision, limit };
        command.SetAction(ReplayCli.Guard(async (parse, cancellationToken) =>
        {
            var now = DateTimeOffset.UtcNow;
            var from = TimeArgument.Parse(parse.GetValue(since), "--since", now);
            var to = TimeArgument.Parse(parse.GetValue(until), "--until", now);
            var max = parse.GetValue(limit);
            if (max < 1)
            {
                throw new CommandFailedException("--limit: must be at least 1", ExitCodes.Usage);
            }

            using var access = AuditStoreAccess.Open(parse, globals);
            var who = parse.GetValue(identity);
            var where = parse.GetValue(target);
            var action = parse.GetValue(decision);
            var rows = await access.RunAsync(async store =>
            {
                await Output.CatchUpAsync(store, parse, cancellationToken).ConfigureAwait(false);
                await using var session = store.QuerySession();
                var query = new SessionSummaryFilter(who, where, from, to, action).Apply(session.Query<SessionSummary>());
                var newest = await query.OrderByDescending(s => s.Start).Take(max).ToListAsync(cancellationToken).ConfigureAwait(false);
                return newest.OrderBy(s => s.Start).ToList();
            }).ConfigureAwait(false);

            if (parse.GetValue(globals.Json))
            {
                Output.WriteJson(parse, rows);
                return ExitCodes.Ok;
            }

            var console = Output.Console(parse);
            if (rows.Count == 0)
            {
                console.WriteLine("No sessions match.");
                return ExitCodes.Ok;
            }

            var table = Output.Table("ID", "IDENTITY", "TARGET", "START", "END", "STATEMENTS", "BLOCKED", "HELD", "MASKED");
            foreach (var s in rows)
            {
                table.AddRow(Output.Cell(s.Id), Output.Cell(s.Identity), Output.Cell(s.Target), Output.Cell(s.Start),
                    Output.Cell(s.End is { } end ? Output.Time(end) : "(open)"), Output.Cell(s.Statements), Output.Cell(s.Blocked),
                    Output.Cell(s.Held), Output.Cell(s.Masked));
            }

            console.Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
