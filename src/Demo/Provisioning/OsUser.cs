using System.Diagnostics;

namespace OrleansGate.Demo.Provisioning;

/// <summary>The OS-user side of running PostgreSQL as root: it must run as the postgres user.</summary>
internal static class OsUser
{
    public static bool IsRoot => Environment.UserName == "root" || GetEuid() == 0;

    /// <summary>Makes <paramref name="folder"/> belong to postgres and lets it traverse <paramref name="root"/>.</summary>
    public static async Task GiveToPostgresAsync(string root, string folder, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Running PostgreSQL as the postgres user is done on Unix only.");
        }

        File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                   UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var result = await ProcessRunner.RunAsync(new ProcessStartInfo("chown") { ArgumentList = { "-R", "postgres:postgres", folder } },
            TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"chown -R postgres:postgres {folder} failed: {result.Output.Trim()} " +
                                                "(is there a 'postgres' OS user? Debian's postgresql package creates it)");
        }
    }

    private static uint GetEuid()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("Uid:", StringComparison.Ordinal))
                {
                    var parts = line.Split('\t', StringSplitOptions.RemoveEmptyEntries);
                    return uint.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }

        return uint.MaxValue;
    }
}
