using System.Text.Json;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.ReplayTool;

/// <summary>The sessions commands as an operator runs them: play, list filters, export formats, errors.</summary>
public sealed class SessionsCliTests(PostgresFixture postgres) : ReplayTestBase(postgres)
{
    [Fact]
    public async Task Play_reproduces_a_psql_session_statement_by_statement_in_order()
    {
        var id = await RunScriptedSessionAsync("play-" + Token());

        var play = await ReplayAsync("sessions", "play", id, "--speed", "0");

        Assert.Equal(0, play.ExitCode);
        var lines = play.StandardOutput.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var expected = new[]
        {
            "alice@main=> " + Script[0], " id | total", "----+", " 1  | 9.99", " 2  | 5", " 3  | 100", "(3 rows)", "SELECT 3",
            "alice@main=> " + Script[1], "-- masked by policy", " name | ssn", "------+", " Ann ", " Bob ", " Cy ", "(3 rows)",
            "-- 3 values masked", "SELECT 3",
            "alice@main=> " + Script[2], "INSERT 0 1",
            "alice@main=> " + Script[3], "ERROR:  ", "-- blocked by rule 'no-deletes'",
            "alice@main=> " + Script[4], "ERROR:  division by zero", "-- SQLSTATE 22012",
            "-- session ended",
        };
        var at = 0;
        foreach (var want in expected)
        {
            var found = lines.FindIndex(at, l => l.StartsWith(want, StringComparison.Ordinal));
            Assert.True(found >= 0, $"'{want}' not found in order after line {at} of:\n{play.StandardOutput}");
            at = found + 1;
        }

        Assert.Contains("public.customers.ssn (origin)", play.StandardOutput, StringComparison.Ordinal);
        var show = await ReplayAsync("sessions", "show", id);
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("Block (no-deletes)", show.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("ERROR 22012: division by zero", show.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("5: 3 allowed, 1 masked, 0 held, 1 blocked, 1 failed", show.StandardOutput, StringComparison.Ordinal);

        // The preview is what the client saw: masked, never the secret.
        Assert.DoesNotContain("123-45-6789", play.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Play_keeps_the_original_pacing_scaled_by_speed()
    {
        var application = "pace-" + Token();
        var connection = Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main") + $" application_name={application}";
        var psql = await ClientTools.PsqlAsync(connection, ["-c", "SELECT 1", "-c", "SELECT pg_sleep(1.5)", "-c", "SELECT 2"]);
        Assert.Equal(0, psql.ExitCode);
        var id = (await AuditRecord.EndedSessionOfApplicationAsync(Postgres, application))[0].StreamId;

        // The tool's own stopwatch says how long it paused before each statement. A pause can only
        // come out longer under load, never shorter, so lower bounds are what is asserted: at speed
        // 1 the pause is the recorded gap, at speed 0.5 twice it (ignoring the speed, or the gap,
        // fails), at speed 0 nothing is waited at all.
        var (asRecorded, gap) = await PauseBeforeAsync(id, "1");
        Assert.True(gap >= 1.5, $"the recorded gap before SELECT 2 is {gap}s");
        Assert.True(asRecorded >= gap - Slack, $"speed 1 paused {asRecorded}s for a {gap}s gap");

        var (halfSpeed, sameGap) = await PauseBeforeAsync(id, "0.5");
        Assert.Equal(gap, sameGap);
        Assert.True(halfSpeed >= 2 * gap - Slack, $"speed 0.5 paused {halfSpeed}s for a {gap}s gap");

        var (none, _) = await PauseBeforeAsync(id, "0");
        Assert.True(none < gap, $"speed 0 paused {none}s");
    }

    /// <summary>Timer slack: Task.Delay may wake a timer tick early.</summary>
    private const double Slack = 0.03;

    private static readonly System.Text.RegularExpressions.Regex Paused =
        new(@"^-- paused (?<waited>\d+\.\d+)s \((?<gap>\d+\.\d+)s in the session, speed [\d.]+\)$");

    /// <summary>Plays the session with --timing; the pause measured before "SELECT 2" and its recorded gap, in seconds.</summary>
    private async Task<(double Waited, double Gap)> PauseBeforeAsync(string id, string speed)
    {
        var play = await ReplayAsync("sessions", "play", id, "--speed", speed, "--timing");
        Assert.Equal(0, play.ExitCode);
        var lines = play.StandardOutput.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var statement = lines.FindIndex(l => l.StartsWith("alice@main=> SELECT 2", StringComparison.Ordinal));
        Assert.True(statement > 0, play.StandardOutput);
        var match = Paused.Match(lines[statement - 1]);
        Assert.True(match.Success, $"no pause comment before SELECT 2 in:\n{play.StandardOutput}");
        return (double.Parse(match.Groups["waited"].Value, System.Globalization.CultureInfo.InvariantCulture),
            double.Parse(match.Groups["gap"].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task List_filters_by_identity_target_time_and_decision()
    {
        var id = await RunScriptedSessionAsync("list-" + Token());

        async Task<bool> ListedAsync(params string[] filters) =>
            Json(await ReplayAsync(["sessions", "list", "--json", .. filters])).EnumerateArray().Any(s => s.GetProperty("Id").GetString() == id);

        Assert.True(await ListedAsync());
        Assert.True(await ListedAsync("--identity", "alice", "--target", "main", "--since", "10m", "--decision", "blocked"));
        Assert.True(await ListedAsync("--decision", "masked"));
        Assert.True(await ListedAsync("--until", DateTimeOffset.UtcNow.AddMinutes(1).ToString("O")));
        Assert.False(await ListedAsync("--identity", "bob"));
        Assert.False(await ListedAsync("--target", "elsewhere"));
        Assert.False(await ListedAsync("--decision", "held"));
        Assert.False(await ListedAsync("--since", DateTimeOffset.UtcNow.AddMinutes(1).ToString("O")));
        Assert.False(await ListedAsync("--until", "2000-01-01"));

        var table = await ReplayAsync("sessions", "list", "--identity", "alice", "--since", "10m");
        Assert.Equal(0, table.ExitCode);
        Assert.Contains(id, table.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("STATEMENTS", table.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_writes_every_event_as_json_jsonl_and_csv_with_the_same_fields()
    {
        var id = await RunScriptedSessionAsync("export-" + Token());
        var recorded = await AuditRecord.ReadAsync(Postgres, id);

        var json = Json(await ReplayAsync("sessions", "export", id, "--format", "json")).EnumerateArray().ToList();
        Assert.Equal(recorded.Select(e => e.Type), json.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal(["session", "version", "seq", "type", "timestamp", "data"], json[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal("alice", json[0].GetProperty("data").GetProperty("Identity").GetString());

        var jsonl = await ReplayAsync("sessions", "export", id, "--format", "jsonl");
        Assert.Equal(0, jsonl.ExitCode);
        var lines = jsonl.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(recorded.Count, lines.Length);
        Assert.All(lines, l => Assert.Equal(id, JsonDocument.Parse(l).RootElement.GetProperty("session").GetString()));
        Assert.Equal(json.Select(e => e.GetProperty("version").GetInt64()),
            lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("version").GetInt64()));

        var csv = await ReplayAsync("sessions", "export", id, "--format", "csv");
        Assert.Equal(0, csv.ExitCode);
        var rows = ParseCsv(csv.StandardOutput);
        Assert.Equal(["session", "version", "seq", "type", "timestamp", "data"], rows[0]);
        Assert.Equal(recorded.Count, rows.Count - 1);
        Assert.All(rows.Skip(1), r => Assert.Equal(6, r.Count));
        Assert.Equal(Script[1].TrimEnd(';'), rows.Skip(1).Where(r => r[3] == "statement_decided")
            .Select(r => JsonDocument.Parse(r[5]).RootElement.GetProperty("Sql").GetString()!.TrimEnd(';')).ElementAt(1));
    }

    [Fact]
    public async Task Unknown_session_bad_usage_and_unreachable_store_give_one_clear_line_and_the_right_exit_code()
    {
        var unknown = await ReplayAsync("sessions", "show", "no-such-session");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no session 'no-such-session'", unknown.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, (await ReplayAsync("sessions", "play", "no-such-session", "--speed", "0")).ExitCode);
        Assert.Equal(1, (await ReplayAsync("sessions", "export", "no-such-session", "--format", "json")).ExitCode);

        Assert.Equal(2, (await ReplayAsync("sessions", "export", "x", "--format", "xml")).ExitCode);
        Assert.Equal(2, (await ReplayAsync("sessions", "list", "--since", "yesterday-ish")).ExitCode);
        Assert.Equal(2, (await ReplayAsync("sessions", "list", "--decision", "maybe")).ExitCode);

        var missing = await CliAsync(["sessions", "list"]);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("OrleansGate:AuditStore:ConnectionString", missing.StandardError, StringComparison.Ordinal);

        var config = Path.Combine(Path.GetTempPath(), $"replay-down-{Token()}.json");
        await File.WriteAllTextAsync(config,
            """{ "OrleansGate": { "AuditStore": { "ConnectionString": "Host=127.0.0.1;Port=1;Database=nowhere;Username=u;Password=very-secret-pw;Timeout=3" } } }""");
        try
        {
            var down = await CliAsync(["--config", config, "sessions", "list"]);
            Assert.Equal(1, down.ExitCode);
            Assert.Contains("127.0.0.1:1/nowhere", down.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain("very-secret-pw", down.Output, StringComparison.Ordinal);
            Assert.Single(down.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            File.Delete(config);
        }
    }

    private static List<List<string>> ParseCsv(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') { quoted = false; }
                else { field.Append(c); }
            }
            else if (c == '"') { quoted = true; }
            else if (c == ',') { row.Add(field.ToString()); field.Clear(); }
            else if (c == '\n') { row.Add(field.ToString()); field.Clear(); rows.Add(row); row = []; }
            else if (c != '\r') { field.Append(c); }
        }

        return rows;
    }
}
