using System.Text.Json.Nodes;
using OrleansGate.Demo.Provisioning;

namespace OrleansGate.Tests.Support;

/// <summary>
/// <c>OrleansGate.ReplayTool verify ARGS --json</c> run in the test process against an audit
/// database, with the gateway's audit key, through a configuration file of its own (deleted after).
/// </summary>
public static class InProcessVerify
{
    public static async Task<ProcessResult> RunAsync(string auditConnectionString, params string[] arguments)
    {
        var config = Path.Combine(Path.GetTempPath(), $"og-verify-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, new JsonObject
        {
            ["OrleansGate"] = new JsonObject
            {
                ["AuditStore"] = new JsonObject { ["ConnectionString"] = auditConnectionString },
                ["Secrets"] = new JsonObject { ["AuditKey"] = GatewayConfig.AuditKeyBase64 },
            },
        }.ToJsonString());
        try
        {
            return await InProcessReplay.RunAsync(["--config", config, "verify", .. arguments, "--json"]);
        }
        finally
        {
            File.Delete(config);
        }
    }

    /// <summary>The one verdict of a run that verified one stream, after asserting the run succeeded.</summary>
    public static JsonNode SingleVerdict(ProcessResult run)
    {
        Xunit.Assert.True(run.ExitCode == 0, run.Output);
        return JsonNode.Parse(run.StandardOutput)!["results"]!.AsArray().Single()!;
    }
}
