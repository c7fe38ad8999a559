using System.Text.Json.Nodes;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.ReplayTool;

/// <summary>
/// The CLI reads the gateway's configuration as the gateway does (src/ReplayTool/Cli/ToolConfiguration):
/// the --config file, with OrleansGate__Section__Key environment variables winning, for every command
/// family alike; a broken or missing file is one line and exit code 2.
/// </summary>
public sealed class ToolConfigurationTests(PostgresFixture postgres) : ReplayTestBase(postgres), IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("og-toolconfig-");

    [Fact]
    public async Task Environment_variables_win_over_the_file_for_the_audit_store_the_chain_key_and_the_admin_api()
    {
        var file = Write("file.json", new JsonObject
        {
            ["OrleansGate"] = new JsonObject
            {
                ["AuditStore"] = new JsonObject { ["ConnectionString"] = "Host=nowhere.invalid;Database=none;Timeout=2" },
                ["Secrets"] = new JsonObject { ["AuditKey"] = "not base64" },
                ["Admin"] = new JsonObject { ["Listen"] = "127.0.0.1:1" },
            },
        }.ToJsonString());
        var environment = new Dictionary<string, string>
        {
            ["OrleansGate__AuditStore__ConnectionString"] = Postgres.AuditConnectionString,
            ["OrleansGate__Secrets__AuditKey"] = GatewayConfig.AuditKeyBase64,
            ["OrleansGate__Admin__Listen"] = "127.0.0.1:9",
        };

        var listed = await CliAsync(["--config", file, "sessions", "list", "--json"], environment);
        Assert.True(listed.ExitCode == 0, listed.Output);
        var verified = await CliAsync(["--config", file, "verify", "--all", "--json"], environment);
        Assert.DoesNotContain("AuditKey", verified.Output, StringComparison.Ordinal); // the key came from the environment
        Assert.DoesNotContain("nowhere.invalid", verified.Output, StringComparison.Ordinal);
        var approvals = await CliAsync(["--config", file, "approvals", "list", "--token", "t"], environment);
        Assert.Contains("cannot reach the admin API at http://127.0.0.1:9/", approvals.Output, StringComparison.Ordinal);

        // Without the environment, the file's values are the ones used.
        var fromFile = await CliAsync(["--config", file, "approvals", "list", "--token", "t"]);
        Assert.Contains("cannot reach the admin API at http://127.0.0.1:1/", fromFile.Output, StringComparison.Ordinal);
        var badKey = await CliAsync(["--config", file, "verify", "--all"]);
        Assert.Equal(2, badKey.ExitCode);
        Assert.Contains("OrleansGate:Secrets:AuditKey: must be base64", badKey.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broken_or_missing_config_file_is_one_line_and_exit_code_2_for_every_command_family()
    {
        var broken = Write("broken.json", """{ "OrleansGate": { "AuditStore": { "ConnectionString": """);
        var missing = Path.Combine(_work.FullName, "missing.json");
        foreach (var command in new[] { new[] { "sessions", "list" }, ["verify", "--all"], ["approvals", "list", "--token", "t"] })
        {
            var run = await CliAsync(["--config", broken, .. command]);
            Assert.Equal(2, run.ExitCode);
            var line = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains($"--config: '{broken}' is not valid JSON", line, StringComparison.Ordinal);

            var none = await CliAsync(["--config", missing, .. command]);
            Assert.Equal(2, none.ExitCode);
            Assert.Contains($"--config: file '{missing}' does not exist", none.StandardError, StringComparison.Ordinal);
        }
    }

    private string Write(string name, string json)
    {
        var path = Path.Combine(_work.FullName, name);
        File.WriteAllText(path, json);
        return path;
    }

    public void Dispose() => _work.Delete(recursive: true);
}
