using System.Diagnostics;
using System.Text;

namespace OrleansGate.Demo.Provisioning;

/// <summary>The exit code and interleaved output of a finished process.</summary>
public sealed record ProcessResult(int ExitCode, string Output, string StandardOutput, string StandardError);

/// <summary>Runs a process to completion with a time limit, collecting its output.</summary>
public static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(ProcessStartInfo start, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = new Process { StartInfo = start };
        var all = new StringBuilder();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (all)
            {
                all.AppendLine(e.Data);
                stdout.AppendLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (all)
            {
                all.AppendLine(e.Data);
                stderr.AppendLine(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{start.FileName} {string.Join(' ', start.ArgumentList)} did not finish within {timeout}");
        }

        lock (all)
        {
            return new ProcessResult(process.ExitCode, all.ToString(), stdout.ToString(), stderr.ToString());
        }
    }
}
