using System.Diagnostics;

namespace OrleansGate.Demo.Provisioning;

/// <summary>
/// Finds a folder holding initdb, pg_ctl and postgres together: on PATH (following symlinks,
/// since Debian links them from elsewhere), then <c>pg_config --bindir</c>, then the newest
/// <c>/usr/lib/postgresql/*/bin</c>.
/// </summary>
public static class PostgresBinaries
{
    private static readonly string[] Required = ["initdb", "pg_ctl", "postgres"];

    public static string? Find()
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var initdb = Path.Combine(folder, "initdb");
            if (File.Exists(initdb))
            {
                var real = new FileInfo(initdb).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? initdb;
                if (HasAll(Path.GetDirectoryName(real)!))
                {
                    return Path.GetDirectoryName(real);
                }
            }
        }

        var fromPgConfig = PgConfigBinDir();
        if (fromPgConfig is not null && HasAll(fromPgConfig))
        {
            return fromPgConfig;
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            return Directory.EnumerateDirectories(debianRoot)
                .Select(d => Path.Combine(d, "bin"))
                .Where(HasAll)
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault();
        }

        return null;
    }

    private static bool HasAll(string folder) => Required.All(name => File.Exists(Path.Combine(folder, name)));

    private static string? PgConfigBinDir()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pg_config", "--bindir") { RedirectStandardOutput = true, RedirectStandardError = true });
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
