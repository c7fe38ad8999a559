using System.Diagnostics;
using OrleansGate.Silo.Provisioning;

namespace OrleansGate.Tests.Support;

/// <summary>
/// Runs one of the gateway's programs (OrleansGate.Silo or OrleansGate.Proxy) as its own
/// process, the way an operator starts it, from the build output next to the tests.
/// </summary>
public static class GatewayProcess
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
}
