namespace OrleansGate.Grains.Audit.Projections;

/// <summary>
/// A statement of a <see cref="SessionTimeline"/> as psql would have shown it: the prompt and SQL,
/// the gateway's decision as an SQL comment, the result preview the record keeps (masked as it was
/// sent), the command tag or error. The replay tool's <c>sessions play</c> and the console's
/// replay (<c>GET /sessions/{id}/transcript</c>) render with it.
/// </summary>
public static class TimelineTranscript
{
    /// <summary>The prompt psql shows: <c>identity@target=&gt; </c>.</summary>
    public static string Prompt(string identity, string target) => $"{identity}@{target}=> ";

    /// <summary>psql's aligned format: a header, a rule, one line per row (NULL shows as empty, as psql does).</summary>
    internal static IEnumerable<string> Table(OrleansGate.Grains.Sessions.ResultPreview preview)
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
