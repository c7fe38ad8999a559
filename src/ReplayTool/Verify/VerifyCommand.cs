using System.CommandLine;
using Npgsql;
using OrleansGate.Grains.Audit.Verification;
using OrleansGate.ReplayTool.Cli;

namespace OrleansGate.ReplayTool.Verify;

/// <summary>
/// <c>verify ID | --all [--export-heads FILE] [--against-heads FILE] [--stale-after DURATION] [--require-seal]</c>:
/// recomputes session chains from the audit database with <c>Secrets:AuditKey</c> and reports, per
/// session, the first broken link and its kind. Exit 1 when any session fails (docs/audit-integrity.md).
/// </summary>
public static class VerifyCommand
{
    public static readonly TimeSpan DefaultStaleAfter = VerifyRules.DefaultStaleAfter;

    public static Command Create(GlobalOptions globals)
    {
        var id = new Argument<string?>("ID") { Description = "The session's id (its audit stream)", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "Verify every session in the audit store" };
        var exportHeads = new Option<FileInfo?>("--export-heads")
        {
            HelpName = "FILE",
            Description = "Write each verified session's head (id, last position, last hash) to FILE as JSON lines; keep it outside the database",
        };
        var againstHeads = new Option<FileInfo?>("--against-heads")
        {
            HelpName = "FILE",
            Description = "Compare with heads exported earlier: a stream that no longer reaches its head, or has another hash there, fails",
        };
        var staleAfter = new Option<TimeSpan?>("--stale-after")
        {
            HelpName = "DURATION",
            Description = "A session without a seal and no event for this long (default 1.00:00:00) is ended by failure, not open",
        };
        var requireSeal = new Option<bool>("--require-seal") { Description = "A stale session without a seal fails (missing-seal)" };

        var command = new Command("verify", "Verify the audit record's hash chains: modified, deleted, inserted, reordered or truncated events, missing seals")
        {
            id, all, exportHeads, againstHeads, staleAfter, requireSeal,
        };
        command.SetAction(ReplayCli.Guard(async (parse, cancellationToken) =>
        {
            var sessionId = parse.GetValue(id);
            if (string.IsNullOrWhiteSpace(sessionId) == !parse.GetValue(all))
            {
                throw new CommandFailedException("give a session ID or --all (not both)", ExitCodes.Usage);
            }

            var stale = parse.GetValue(staleAfter) ?? DefaultStaleAfter;
            if (stale < TimeSpan.Zero)
            {
                throw new CommandFailedException("--stale-after: must not be negative", ExitCodes.Usage);
            }

            var source = AuditSource.From(parse.GetValue(globals.Config));
            var heads = parse.GetValue(againstHeads) is { } headsFile ? await ChainHeads.ReadAsync(headsFile, cancellationToken).ConfigureAwait(false) : null;
            var now = DateTimeOffset.UtcNow;
            var rules = new VerifyRules(stale, parse.GetValue(requireSeal), now, heads);
            var verdicts = await VerifyAsync(source, sessionId, rules, cancellationToken).ConfigureAwait(false);
            if (sessionId is not null && verdicts.Count == 0)
            {
                throw new CommandFailedException($"no session '{sessionId}' in the audit store");
            }

            if (parse.GetValue(exportHeads) is { } export)
            {
                await ChainHeads.WriteAsync(export, verdicts, now, cancellationToken).ConfigureAwait(false);
            }

            ProjectionReport projections;
            using (var store = source.OpenStore())
            {
                try
                {
                    projections = await ProjectionCheck.RunAsync(store, verdicts, all: sessionId is null, cancellationToken).ConfigureAwait(false);
                }
                catch (NpgsqlException e)
                {
                    throw new CommandFailedException($"cannot read the audit store's projections: {e.Message}");
                }
            }

            VerifyOutput.Write(parse, parse.GetValue(globals.Json), verdicts, projections);
            return verdicts.Any(v => v.Failed) || projections.Failed ? ExitCodes.CheckFailed : ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Verifies the named session (or all), and reports the exported heads whose stream is gone altogether.</summary>
    public static async Task<List<SessionVerdict>> VerifyAsync(AuditSource source, string? sessionId, VerifyRules rules,
        CancellationToken cancellationToken)
    {
        var verifier = new ChainVerifier(source.Key);
        var verdicts = new List<SessionVerdict>();
        try
        {
            await foreach (var stream in source.StreamsAsync(sessionId, cancellationToken).ConfigureAwait(false))
            {
                verdicts.Add(verifier.Verify(stream, rules));
            }
        }
        catch (NpgsqlException e)
        {
            throw new CommandFailedException($"cannot read the audit store: {e.Message}");
        }

        if (rules.Heads is { } heads)
        {
            var found = verdicts.Select(v => v.SessionId).ToHashSet(StringComparer.Ordinal);
            verdicts.AddRange(heads.Values
                .Where(h => (sessionId is null || h.Session == sessionId) && !found.Contains(h.Session))
                .OrderBy(h => h.Session, StringComparer.Ordinal)
                .Select(h => SessionVerdict.Broken(h.Session, 0, BreakKind.Deleted, 1,
                    $"the exported heads saw position {h.Position}; the stream is gone")));
        }

        return verdicts;
    }
}
