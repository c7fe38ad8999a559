using System.Diagnostics;
using System.Text.RegularExpressions;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Hosting;

/// <summary>The gateway's programs started as an operator starts them: a process with --config FILE.</summary>
public sealed partial class StandaloneProcessTests(PostgresFixture postgres) : GatewayTestBase(postgres), IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("og-process-");

    [Fact]
    public async Task The_standalone_proxy_refuses_to_run_without_a_cluster_to_decide()
    {
        var configFile = Path.Combine(_work.FullName, "orleansgate.json");
        await File.WriteAllTextAsync(configFile, GatewayConfig.Standard(Postgres, Database).ToJson());

        var result = await GatewayProcess.RunToEndAsync("OrleansGate.Proxy", ["--config", configFile]);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("configuration error: OrleansGate:Cluster:Mode: a standalone proxy joins a cluster", result.StandardError.Trim(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("OrleansGate.Silo")]
    public async Task The_program_relays_sessions_and_stops_cleanly_on_sigterm(string program)
    {
        var configuration = GatewayConfig.Standard(Postgres, Database);
        configuration.Section("Cluster")["SiloPort"] = 0;
        configuration.Section("Cluster")["GatewayPort"] = 0;
        configuration.Section("Proxy")["Listen"] = "127.0.0.1:0";
        var configFile = Path.Combine(_work.FullName, "orleansgate.json");
        await File.WriteAllTextAsync(configFile, configuration.ToJson());

        using var process = Process.Start(GatewayProcess.StartInfo(program, ["--config", configFile]))!;
        try
        {
            var port = await ReadListeningPortAsync(process);
            var connectionString = new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1", Port = port, Username = "bob", Password = GatewayConfig.BobPassword, Database = "main", Pooling = false,
            }.ConnectionString;
            await using (var connection = new NpgsqlConnection(connectionString))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT current_database()", connection);
                Assert.Equal(Database, await command.ExecuteScalarAsync());
            }

            // SIGTERM is how service managers stop the process; it must shut down, not die.
            Assert.Equal(0, Kill(process.Id, 15));
            using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync(exited.Token);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static async Task<int> ReadListeningPortAsync(Process process)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            var match = Listening().Match(line);
            if (match.Success)
            {
                _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("The process ended without listening: " + await process.StandardError.ReadToEndAsync());
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [GeneratedRegex(@"listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex Listening();

    public void Dispose() => _work.Delete(recursive: true);
}
