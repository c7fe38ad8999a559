namespace OrleansGate.ReplayTool.Cli;

/// <summary>The tool's exit codes (INTERFACE.md).</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>A check failed: unknown id, refused, unreachable API, tampering found, …</summary>
    public const int CheckFailed = 1;

    /// <summary>Bad usage: unknown command or option, missing value, no token.</summary>
    public const int Usage = 2;
}

/// <summary>A command that cannot go on; its message is the one line the operator sees.</summary>
public sealed class CommandFailedException(string message, int exitCode = ExitCodes.CheckFailed) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
