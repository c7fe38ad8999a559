using System.Diagnostics;
using OrleansGate.Demo.Provisioning;

namespace OrleansGate.Tests.Support;

/// <summary>The operator CLI (<c>dotnet OrleansGate.ReplayTool.dll …</c>) run as its own process, as an operator runs it.</summary>
public static class ReplayToolProcess
{
    /// <summary>
    /// Runs it with no <c>OrleansGate__…</c> variables nor ORLEANSGATE_TOKEN from the test's
    /// environment, only <paramref name="environment"/> (environment variables are process-wide,
    /// so a test that sets them does it here).
    /// </summary>
    public static Task<ProcessResult> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetTempPath() };
        start.ArgumentList.Add(ToolPath());
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("OrleansGate__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment.Remove("ORLEANSGATE_TOKEN");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return ProcessRunner.RunAsync(start, timeout ?? TimeSpan.FromMinutes(5));
    }

    /// <summary>
    /// The tool from its own build output: the test project runs on the ASP.NET shared framework, so
    /// its output lacks Microsoft.Extensions assemblies the tool loads (configuration, Marten's).
    /// </summary>
    public static string ToolPath()
    {
        var own = BuildOutput.Of("ReplayTool", "OrleansGate.ReplayTool.dll");
        return File.Exists(own) ? own : Path.Combine(AppContext.BaseDirectory, "OrleansGate.ReplayTool.dll");
    }
}
