using OrleansGate.Grains.Audit.Projections;

namespace OrleansGate.ReplayTool.Sessions;

/// <summary>
/// Renders a session as psql would have shown it: the prompt and statement, the gateway's decision
/// as an SQL comment, the outcome (command tag or error). Each statement is written when its
/// original offset from the session start, divided by the speed, has passed. With
/// <c>timing</c>, each pause is followed by a comment saying how long the tool actually waited
/// (its own stopwatch) and how long the gap was in the session.
/// </summary>
internal sealed class SessionTranscript(TextWriter output, double speed, TimeSpan maxWait, bool timing = false)
{
    public async Task PlayAsync(SessionSummary summary, SessionTimeline timeline, CancellationToken cancellationToken)
    {
        var prompt = $"{summary.Identity}@{summary.Target}=> ";
        await output.WriteLineAsync(
            $"-- session {summary.Id}: {summary.Identity} on {summary.Target} from {summary.ClientAddress ?? "?"}" +
            $"{(summary.ApplicationName is { Length: > 0 } app ? $" ({app})" : "")}, started {Store.Output.Time(summary.Start)}").ConfigureAwait(false);
        var previous = 0.0;
        foreach (var entry in timeline.Entries)
        {
            await WaitAsync(entry.OffsetMs - previous, cancellationToken).ConfigureAwait(false);
            previous = entry.OffsetMs;
            foreach (var line in Render(prompt, entry))
            {
                await output.WriteLineAsync(line).ConfigureAwait(false);
            }

            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        if (timeline.End is { } end)
        {
            await WaitAsync((end - timeline.Start).TotalMilliseconds - previous, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"-- session ended {Store.Output.Time(end)}: {timeline.EndReason}").ConfigureAwait(false);
        }
    }

    private async Task WaitAsync(double milliseconds, CancellationToken cancellationToken)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        if (speed > 0 && milliseconds > 0)
        {
            var wait = TimeSpan.FromMilliseconds(milliseconds / speed);
            if (wait > maxWait)
            {
                wait = maxWait;
            }

            if (wait >= TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }
        }

        if (timing && milliseconds > 0)
        {
            // Measured, not computed: what the reader of the transcript actually sat through.
            await output.WriteLineAsync(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"-- paused {waited.Elapsed.TotalSeconds:0.000}s ({milliseconds / 1000:0.000}s in the session, speed {speed:0.###})")).ConfigureAwait(false);
        }
    }

    /// <summary>psql's aligned format: a header, a rule, one line per row (NULL shows as empty, as psql does).</summary>
    private static IEnumerable<string> Table(OrleansGate.Grains.Sessions.ResultPreview preview)
    {
        var count = Math.Max(preview.Columns.Count, preview.Rows.Max(r => r.Count));
        var names = Enumerable.Range(0, count).Select(i => i < preview.Columns.Count ? preview.Columns[i] : $"?column{i + 1}?").ToArray();
        static string Flat(string? value) => (value ?? "").Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "", StringComparison.Ordinal);
        var widths = names.Select((n, i) => Math.Max(n.Length, preview.Rows.Max(r => i < r.Count ? Flat(r[i]).Length : 0))).ToArray();
        string Line(IEnumerable<string> cells) => " " + string.Join(" | ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();
        yield return Line(names.Select((n, i) => n.PadLeft((widths[i] + n.Length) / 2)));
        yield return string.Join("+", widths.Select(w => new string('-', w + 2)));
        foreach (var row in preview.Rows)
        {
            yield return Line(Enumerable.Range(0, count).Select(i => i < row.Count ? Flat(row[i]) : ""));
        }
    }

    /// <summary>The transcript lines of one statement.</summary>
    public static IEnumerable<string> Render(string prompt, TimelineEntry entry)
    {
        var sql = entry.Sql.TrimEnd();
        var lines = sql.Split('\n');
        var continuation = new string(' ', Math.Max(0, prompt.Length - 3)) + "-> ";
        for (var i = 0; i < lines.Length; i++)
        {
            var text = lines[i].TrimEnd('\r') + (i == lines.Length - 1 && !sql.EndsWith(';') ? ";" : "");
            yield return (i == 0 ? prompt : continuation) + text;
        }

        if (entry.Phase == "Prepare")
        {
            yield return "-- prepared only (not executed in this batch)";
        }

        if (entry.Parameters.Count > 0)
        {
            yield return "-- parameters: " + string.Join(", ", entry.Parameters.Select((p, i) => $"${i + 1}={(p is null ? "NULL" : $"'{p}'")}"));
        }

        switch (entry.Action)
        {
            case null:
                yield return "-- no decision recorded";
                break;
            case "Allow" when entry.Rule != "default:allow":
                yield return $"-- allowed by rule '{entry.Rule}'";
                break;
            case "Mask":
                yield return $"-- masked by policy ('{entry.Rule}'): {string.Join(", ", entry.MaskedColumns)}" +
                             (entry.UsesMaskedColumnInPredicate ? "; filters on a masked column" : "");
                break;
            case "Hold":
                yield return $"-- held for approval by rule '{entry.Rule}'";
                foreach (var step in entry.ApprovalSteps)
                {
                    yield return $"--   {step}";
                }

                break;
            case "Block":
                yield return $"ERROR:  {entry.DecisionMessage ?? $"blocked by rule '{entry.Rule}'"}";
                yield return $"-- blocked by rule '{entry.Rule}' ({entry.DecisionSqlState}); nothing reached the database";
                yield break;
        }

        if (entry.Preview is { Rows.Count: > 0 } preview)
        {
            foreach (var line in Table(preview))
            {
                yield return line;
            }

            var shown = preview.Rows.Count;
            yield return entry.Rows is { } total && (preview.More || total != shown)
                ? $"({total} rows; the record keeps the first {shown})"
                : $"({shown} {(shown == 1 ? "row" : "rows")})";
        }

        switch (entry.Outcome)
        {
            case "Completed" or "Suspended":
                if (entry.MaskedValues > 0)
                {
                    yield return $"-- {entry.MaskedValues} values masked";
                }

                yield return entry.CommandTag ?? "-- (empty query)";
                break;
            case "Failed":
                yield return $"ERROR:  {entry.ErrorMessage}";
                if (entry.ErrorSqlState is { } state)
                {
                    yield return $"-- SQLSTATE {state}";
                }

                break;
            case "NotRun":
                yield return "-- not run: an earlier statement of the same batch failed";
                break;
            case null when entry.Action is "Hold":
                yield return "-- did not run";
                break;
            case null:
                yield return "-- no outcome recorded";
                break;
        }
    }
}
