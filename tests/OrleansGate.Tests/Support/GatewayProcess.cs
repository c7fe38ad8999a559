using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using OrleansGate.Demo.Provisioning;

namespace OrleansGate.Tests.Support;

/// <summary>
/// Runs one of the gateway's programs (OrleansGate.Silo or OrleansGate.Proxy) as its own
/// process, the way an operator starts it, from the build output next to the tests.
/// </summary>
public static partial class GatewayProcess
{
    public static ProcessStartInfo StartInfo(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, program))
        {
            WorkingDirectory = Path.GetTempPath(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("OrleansGate__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return start;
    }

    /// <summary>Runs the program to its end (it is expected to stop by itself, e.g. on bad configuration).</summary>
    public static Task<ProcessResult> RunToEndAsync(string program, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null) =>
        ProcessRunner.RunAsync(StartInfo(program, arguments, environment), TimeSpan.FromSeconds(60));

    /// <summary>
    /// Starts the program and waits for its proxy to listen; returns the process and the port. Its
    /// output is drained from then on, so a chatty process never blocks on a full pipe.
    /// </summary>
    public static async Task<(Process Process, int Port)> StartListeningAsync(string program, IEnumerable<string> arguments)
    {
        var process = Process.Start(StartInfo(program, arguments))!;
        _ = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            var match = Listening().Match(line);
            if (match.Success)
            {
                _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                return (process, int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
            }
        }

        process.Dispose();
        throw new InvalidOperationException($"{program} ended without listening");
    }

    [GeneratedRegex(@"listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex Listening();
}
