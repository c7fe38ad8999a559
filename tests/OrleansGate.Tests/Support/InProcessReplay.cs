using OrleansGate.Demo.Provisioning;
using OrleansGate.ReplayTool.Cli;

namespace OrleansGate.Tests.Support;

/// <summary>
/// The replay tool's entry point (<see cref="ReplayCli.RunAsync"/>, what its Program calls) run in
/// the test process: a command's output and exit code without a .NET start and a cold Marten per
/// command. <see cref="ReplayToolProcess"/> stays for what only a process shows (its environment,
/// its exit code as a shell sees it).
/// </summary>
public static class InProcessReplay
{
    /// <summary>The result as <see cref="ProcessRunner"/> gives it; <c>Output</c> is standard output then standard error.</summary>
    public static async Task<ProcessResult> RunAsync(string[] arguments)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await ReplayCli.RunAsync(arguments, output, error);
        return new ProcessResult(exit, output.ToString() + error, output.ToString(), error.ToString());
    }
}
