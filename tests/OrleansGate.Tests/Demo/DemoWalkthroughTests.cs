using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using OrleansGate.Demo.Provisioning;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Demo;

/// <summary>
/// The demo as a newcomer meets it: <c>OrleansGate.Demo</c> from its build output provisions
/// its own PostgreSQL and prints a walkthrough; every command it prints is run as printed (through
/// bash): alice's psql COPY of masked columns waits, bob approves it with the printed CLI command,
/// the masked rows arrive, and the printed replay commands list, play and verify the session.
/// </summary>
// In the second collection, the shortest of the three (docs/testing.md: suite time).
[Collection(SecondPostgresCollection.Name)]
public sealed partial class DemoWalkthroughTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Copy = "COPY customers TO STDOUT";

    [Fact]
    public async Task The_printed_walkthrough_holds_the_copy_until_bob_approves_with_the_printed_command_and_replays_it()
    {
        // How long each step took, in the test's output: this test is among the suite's slowest.
        var steps = new StepTimes(output);
        using var demo = Process.Start(DemoStart())!;
        var errors = demo.StandardError.ReadToEndAsync();
        try
        {
            var welcome = await ReadWelcomeAsync(demo, errors);
            steps.Step("the demo printed its walkthrough");
            var psqlConnection = Single(PsqlLine(), welcome);
            var token = Single(TokenLine(), welcome);
            var tool = Single(ToolLine(), welcome); // "<tool> --config <file>", as each printed command starts
            Assert.Contains($"{tool} approvals approve <request id>", welcome, StringComparison.Ordinal);
            Assert.Contains($"{tool} sessions play <session id>", welcome, StringComparison.Ordinal);
            Assert.Contains($"{tool} verify --all", welcome, StringComparison.Ordinal);

            // alice's psql: the COPY of masked columns is held, and psql waits.
            var psqlStart = new ProcessStartInfo("psql") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { "-X", "-v", "ON_ERROR_STOP=1", "-c", Copy, psqlConnection })
            {
                psqlStart.ArgumentList.Add(argument);
            }

            using var psql = Process.Start(psqlStart)!;
            var rows = psql.StandardOutput.ReadToEndAsync();
            var notices = psql.StandardError.ReadToEndAsync();
            var request = await Eventually.HoldsAsync(() => PendingCopyAsync(tool, token), id => id is not null, TimeSpan.FromSeconds(60));
            Assert.False(psql.HasExited);
            steps.Step("the COPY is held and listed");

            // bob approves it with the printed command, from "a second terminal".
            var approved = await ShellAsync($"{tool} approvals approve {request!} --reason \"demo export\"", token);
            Assert.True(approved.ExitCode == 0, approved.Output);
            await psql.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(psql.ExitCode == 0, await notices);
            steps.Step("bob approved it and psql got the rows");
            var copied = (await rows).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(1000, copied.Length);
            Assert.DoesNotContain(copied, row => SsnLike().IsMatch(row));
            Assert.Contains($"statement held for approval {request}", await notices, StringComparison.Ordinal);
            // and says why, naming the masked columns
            Assert.Matches(@"DETAIL:  COPY of masked columns \(public\.customers\.\w+(, public\.customers\.\w+)*\) is held", await notices);

            // The printed replay commands: the session is listed, plays back with the approval, and verifies.
            var listed = await ShellAsync($"{tool} sessions list --identity alice --json", token);
            Assert.True(listed.ExitCode == 0, listed.Output);
            var session = JsonDocument.Parse(listed.StandardOutput).RootElement.EnumerateArray().Select(s => Property(s, "Id").GetString()).Single();
            var played = await ShellAsync($"{tool} sessions play {session}", token);
            Assert.True(played.ExitCode == 0, played.Output);
            Assert.Contains(Copy, played.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("approved by bob", played.StandardOutput, StringComparison.Ordinal);
            var verified = await ShellAsync($"{tool} verify --all", token);
            Assert.True(verified.ExitCode == 0, verified.Output);
            steps.Step("the session was listed, played and verified");
            Assert.True(await StopAsync(demo), "the demo did not stop within 60 s of Ctrl-C");
        }
        finally
        {
            await StopAsync(demo);
            steps.Step("the demo stopped");
        }
    }

    /// <summary>
    /// The demo from its own build output (as scripts/demo.sh runs it), so the replay tool it points
    /// at is its sibling; with Ctrl-C's signal at its default, as a terminal starts it. (A test run
    /// started in the background ignores SIGINT, its children inherit that, and .NET keeps an
    /// inherited SIG_IGN: the Ctrl-C below would then be lost and the stop wait out its minute.)
    /// </summary>
    private static ProcessStartInfo DemoStart()
    {
        var start = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        start.ArgumentList.Add("--default-signal=INT");
        start.ArgumentList.Add(BuildOutput.Of("Demo", "OrleansGate.Demo"));
        start.Environment.Remove("ORLEANSGATE_DEMO_PG"); // a newcomer has none: the demo provisions its own cluster
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("OrleansGate__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        return start;
    }

    private static async Task<string> ReadWelcomeAsync(Process demo, Task<string> errors)
    {
        var welcome = new StringBuilder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (await demo.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            welcome.AppendLine(line);
            if (line.Contains("Press Ctrl-C", StringComparison.Ordinal))
            {
                _ = demo.StandardOutput.ReadToEndAsync(CancellationToken.None);
                return welcome.ToString();
            }
        }

        throw new InvalidOperationException($"the demo ended before its walkthrough:\n{welcome}\n{await errors}");
    }

    /// <summary>The id of the held COPY, from the printed <c>approvals list</c> with --json; null while there is none.</summary>
    private static async Task<string?> PendingCopyAsync(string tool, string token)
    {
        var list = await ShellAsync($"{tool} approvals list --json", token);
        if (list.ExitCode != 0)
        {
            return null;
        }

        return JsonDocument.Parse(list.StandardOutput).RootElement.EnumerateArray()
            .Where(a => Property(a, "Sql").GetString()?.Contains(Copy, StringComparison.Ordinal) == true)
            .Select(a => Property(a, "Id").GetString())
            .SingleOrDefault();
    }

    private static Task<ProcessResult> ShellAsync(string command, string token)
    {
        var start = new ProcessStartInfo("bash") { WorkingDirectory = Path.GetTempPath() };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        start.Environment["ORLEANSGATE_TOKEN"] = token;
        return ProcessRunner.RunAsync(start, TimeSpan.FromMinutes(2));
    }

    private static JsonElement Property(JsonElement json, string name) =>
        json.EnumerateObject().First(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)).Value;

    private static string Single(Regex pattern, string text)
    {
        var match = pattern.Match(text);
        Assert.True(match.Success, $"no {pattern} in the walkthrough:\n{text}");
        return match.Groups[1].Value;
    }

    /// <summary>Ctrl-C, as the walkthrough says: the demo stops the gateway and removes its cluster. False when it had to be killed.</summary>
    private static async Task<bool> StopAsync(Process demo)
    {
        if (demo.HasExited)
        {
            return true;
        }

        Process.Start("kill", ["-INT", demo.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        try
        {
            await demo.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            demo.Kill(entireProcessTree: true);
            return false;
        }

        return true;
    }

    [GeneratedRegex(@"psql ""([^""]+)""")]
    private static partial Regex PsqlLine();

    [GeneratedRegex(@"export ORLEANSGATE_TOKEN=(\S+)")]
    private static partial Regex TokenLine();

    [GeneratedRegex(@"^\s*(.+ --config \S+) approvals list\s*$", RegexOptions.Multiline)]
    private static partial Regex ToolLine();

    [GeneratedRegex(@"\d{3}-\d{2}-\d{4}")]
    private static partial Regex SsnLike();
}
