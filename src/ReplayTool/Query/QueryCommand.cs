using System.CommandLine;
using Marten;
using OrleansGate.Grains.Audit.Projections;
using OrleansGate.ReplayTool.Cli;
using OrleansGate.ReplayTool.Store;
using Spectre.Console;

namespace OrleansGate.ReplayTool.Query;

/// <summary><c>query tables|identities|decisions</c>: audit questions answered from the projections.</summary>
public static class QueryCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var query = new Command("query", "Audit questions from the projections: tables, identities, decisions");
        query.Add(Tables(globals));
        query.Add(Identities(globals));
        query.Add(Decisions(globals));
        return query;
    }

    private static Option<string?> IdentityOption() => new("--identity") { Description = "Only this identity" };

    private static Option<string?> TargetOption() => new("--target") { Description = "Only this target" };

    private static Option<string?> SinceOption() => new("--since") { Description = "From this time (ISO 8601, or 30m/2h/7d ago)" };

    private static Option<string?> UntilOption() => new("--until") { Description = "Before this time" };

    private static Command Tables(GlobalOptions globals)
    {
        var identity = IdentityOption();
        var target = TargetOption();
        var relation = new Option<string?>("--relation") { Description = "Only this relation (as statements name it)" };
        var command = new Command("tables", "Per relation: who read, wrote, was masked, held or blocked, how often") { identity, target, relation };
        command.SetAction(ReplayCli.Guard(async (parse, cancellationToken) =>
        {
            using var access = AuditStoreAccess.Open(parse, globals);
            var (who, where, what) = (parse.GetValue(identity), parse.GetValue(target), parse.GetValue(relation));
            var rows = await access.RunAsync(async store =>
            {
                await Output.CatchUpAsync(store, parse, cancellationToken).ConfigureAwait(false);
                await using var session = store.QuerySession();
                IQueryable<TableAccess> q = session.Query<TableAccess>();
                if (who is not null) { q = q.Where(t => t.Identity == who); }
                if (where is not null) { q = q.Where(t => t.Target == where); }
                if (what is not null) { q = q.Where(t => t.Relation == what); }
                return (await q.ToListAsync(cancellationToken).ConfigureAwait(false))
                    .OrderBy(t => t.Target, StringComparer.Ordinal).ThenBy(t => t.Relation, StringComparer.Ordinal)
                    .ThenBy(t => t.Identity, StringComparer.Ordinal).ToList();
            }).ConfigureAwait(false);
            if (parse.GetValue(globals.Json))
            {
                Output.WriteJson(parse, rows);
                return ExitCodes.Ok;
            }

            var table = Output.Table("TARGET", "RELATION", "IDENTITY", "READS", "WRITES", "MASKED", "HELD", "BLOCKED", "FIRST", "LAST");
            foreach (var t in rows)
            {
                table.AddRow(Output.Cell(t.Target), Output.Cell(t.Relation), Output.Cell(t.Identity), Output.Cell(t.Reads), Output.Cell(t.Writes),
                    Output.Cell(t.Masked), Output.Cell(t.Held), Output.Cell(t.Blocked), Output.Cell(t.FirstAt), Output.Cell(t.LastAt));
            }

            Output.Console(parse).Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Identities(GlobalOptions globals)
    {
        var identity = IdentityOption();
        var since = SinceOption();
        var until = UntilOption();
        var command = new Command("identities", "Per identity per day: sessions, statements, decisions") { identity, since, until };
        command.SetAction(ReplayCli.Guard(async (parse, cancellationToken) =>
        {
            var now = DateTimeOffset.UtcNow;
            var from = TimeArgument.Parse(parse.GetValue(since), "--since", now)?.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            var to = TimeArgument.Parse(parse.GetValue(until), "--until", now)?.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            using var access = AuditStoreAccess.Open(parse, globals);
            var who = parse.GetValue(identity);
            var rows = await access.RunAsync(async store =>
            {
                await Output.CatchUpAsync(store, parse, cancellationToken).ConfigureAwait(false);
                await using var session = store.QuerySession();
                IQueryable<IdentityActivity> q = session.Query<IdentityActivity>();
                if (who is not null) { q = q.Where(a => a.Identity == who); }
                return (await q.ToListAsync(cancellationToken).ConfigureAwait(false))
                    .Where(a => (from is null || string.CompareOrdinal(a.Day, from) >= 0) && (to is null || string.CompareOrdinal(a.Day, to) <= 0))
                    .OrderBy(a => a.Identity, StringComparer.Ordinal).ThenBy(a => a.Day, StringComparer.Ordinal).ToList();
            }).ConfigureAwait(false);
            if (parse.GetValue(globals.Json))
            {
                Output.WriteJson(parse, rows);
                return ExitCodes.Ok;
            }

            var table = Output.Table("IDENTITY", "DAY", "SESSIONS", "STATEMENTS", "ALLOWED", "MASKED", "HELD", "BLOCKED");
            foreach (var a in rows)
            {
                table.AddRow(Output.Cell(a.Identity), Output.Cell(a.Day), Output.Cell(a.Sessions), Output.Cell(a.Statements), Output.Cell(a.Allowed),
                    Output.Cell(a.Masked), Output.Cell(a.Held), Output.Cell(a.Blocked));
            }

            Output.Console(parse).Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private sealed record DecisionRow(DateTimeOffset At, string Session, string Identity, string Target, long Sequence, string Action, string? Rule,
        string Sql, IReadOnlyList<string> MaskedColumns, string? Outcome);

    private static Command Decisions(GlobalOptions globals)
    {
        var identity = IdentityOption();
        var target = TargetOption();
        var since = SinceOption();
        var until = UntilOption();
        var decision = new Option<string?>("--decision") { Description = "Only this decision (default: masked, held and blocked)" };
        decision.AcceptOnlyFromAmong("allowed", "masked", "held", "blocked");
        var rule = new Option<string?>("--rule") { Description = "Only decisions by this rule" };
        var command = new Command("decisions", "Individual decisions across sessions (by default the ones that were not a plain allow)")
            { identity, target, since, until, decision, rule };
        command.SetAction(ReplayCli.Guard(async (parse, cancellationToken) =>
        {
            var now = DateTimeOffset.UtcNow;
            var from = TimeArgument.Parse(parse.GetValue(since), "--since", now);
            var to = TimeArgument.Parse(parse.GetValue(until), "--until", now);
            var actions = parse.GetValue(decision) switch
            {
                "allowed" => new[] { "Allow" },
                "masked" => ["Mask"],
                "held" => ["Hold"],
                "blocked" => ["Block"],
                _ => ["Mask", "Hold", "Block"],
            };
            var (who, where, byRule) = (parse.GetValue(identity), parse.GetValue(target), parse.GetValue(rule));
            using var access = AuditStoreAccess.Open(parse, globals);
            var rows = await access.RunAsync(async store =>
            {
                await Output.CatchUpAsync(store, parse, cancellationToken).ConfigureAwait(false);
                await using var session = store.QuerySession();
                IQueryable<SessionTimeline> q = session.Query<SessionTimeline>();
                if (who is not null) { q = q.Where(t => t.Identity == who); }
                if (where is not null) { q = q.Where(t => t.Target == where); }
                // A session that started before --until may hold decisions after --since; filter entries below.
                if (to is { } t0) { q = q.Where(t => t.Start < t0); }
                var timelines = await q.ToListAsync(cancellationToken).ConfigureAwait(false);
                return timelines.SelectMany(t => t.Entries.Select(e => (t, e)))
                    .Where(x => x.e.Action is { } a && actions.Contains(a) && (byRule is null || x.e.Rule == byRule) &&
                                (from is null || x.e.ReceivedAt >= from) && (to is null || x.e.ReceivedAt < to))
                    .OrderBy(x => x.e.ReceivedAt)
                    .Select(x => new DecisionRow(x.e.ReceivedAt, x.t.Id, x.t.Identity, x.t.Target, x.e.Sequence, x.e.Action!, x.e.Rule, x.e.Sql,
                        x.e.MaskedColumns, x.e.Outcome))
                    .ToList();
            }).ConfigureAwait(false);
            if (parse.GetValue(globals.Json))
            {
                Output.WriteJson(parse, rows);
                return ExitCodes.Ok;
            }

            var table = Output.Table("AT", "SESSION", "IDENTITY", "TARGET", "#", "DECISION", "RULE", "SQL", "MASKED");
            foreach (var r in rows)
            {
                table.AddRow(Output.Cell(r.At), Output.Cell(r.Session), Output.Cell(r.Identity), Output.Cell(r.Target), Output.Cell(r.Sequence),
                    Output.Cell(r.Action), Output.Cell(r.Rule), Output.Cell(Output.OneLine(r.Sql, 60)), Output.Cell(string.Join(", ", r.MaskedColumns)));
            }

            Output.Console(parse).Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
