using System.Diagnostics;
using OrleansGate.Demo.Provisioning;

namespace OrleansGate.Tests.Support;

/// <summary>Runs the real PostgreSQL client programs (psql, pgbench) as separate processes.</summary>
public static class ClientTools
{
    /// <summary>Runs psql with the given connection string and arguments, never reading ~/.psqlrc.</summary>
    /// <param name="environment">Variables psql reads (PGPASSWORD, say); nothing of the developer's own reaches it.</param>
    public static Task<ProcessResult> PsqlAsync(string connectionString, IEnumerable<string> arguments, string? workingDirectory = null,
        TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? environment = null) =>
        RunAsync("psql", ["-X", "-v", "ON_ERROR_STOP=1", "-d", connectionString, .. arguments], workingDirectory, timeout, environment);

    public static Task<ProcessResult> PgbenchAsync(string connectionString, IEnumerable<string> arguments, TimeSpan? timeout = null) =>
        RunAsync("pgbench", [.. arguments, connectionString], null, timeout ?? TimeSpan.FromMinutes(2));

    public static async Task<ProcessResult> RunAsync(string program, IEnumerable<string> arguments, string? workingDirectory = null,
        TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory ?? Path.GetTempPath() };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Nothing from the developer's environment may change what the client does.
        foreach (var variable in new[] { "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGOPTIONS", "PGSSLMODE", "PGSERVICE" })
        {
            start.Environment.Remove(variable);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return await ProcessRunner.RunAsync(start, timeout ?? TimeSpan.FromMinutes(1));
    }
}
