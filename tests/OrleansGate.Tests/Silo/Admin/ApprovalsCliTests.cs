using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansGate.Demo.Provisioning;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Admin;

/// <summary>
/// The replay tool's approvals commands, run as an operator runs them (<c>dotnet
/// OrleansGate.ReplayTool.dll …</c>) against the admin API: output and exit codes (0 done, 1 a
/// check failed, 2 bad usage).
/// </summary>
public sealed class ApprovalsCliTests(PostgresFixture postgres) : AdminTestBase(postgres)
{
    [Fact]
    public async Task List_and_show_print_a_table_or_json()
    {
        var request = await OpenRequestAsync(sql: "COPY secrets TO STDOUT");

        var table = await CliAsync(["approvals", "list", "--url", AdminUrl.ToString(), "--token", BobToken]);
        Assert.Equal(0, table.ExitCode);
        Assert.Contains(request.Id, table.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("hold-copy-out", table.StandardOutput, StringComparison.Ordinal);

        var json = await CliAsync(["approvals", "list", "--json", "--url", AdminUrl.ToString()], token: BobToken);
        Assert.Equal(0, json.ExitCode);
        var listed = JsonDocument.Parse(json.StandardOutput).RootElement.EnumerateArray().Single(e => e.GetProperty("id").GetString() == request.Id);
        Assert.Equal("alice", listed.GetProperty("requester").GetString());

        var show = await CliAsync(["approvals", "show", request.Id, "--url", AdminUrl.ToString()], token: BobToken);
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("pending", show.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("COPY secrets TO STDOUT", show.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_address_comes_from_the_configuration_file()
    {
        var request = await OpenRequestAsync();
        var config = Path.Combine(Path.GetTempPath(), $"og-cli-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, new JsonObject
        {
            ["OrleansGate"] = new JsonObject { ["Admin"] = new JsonObject { ["Listen"] = $"127.0.0.1:{AdminUrl.Port}" } },
        }.ToJsonString());
        try
        {
            var show = await CliAsync(["--config", config, "approvals", "show", request.Id, "--json"], token: BobToken);

            Assert.Equal(0, show.ExitCode);
            Assert.Equal(request.Id, JsonDocument.Parse(show.StandardOutput).RootElement.GetProperty("id").GetString());
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public async Task Approve_and_deny_report_the_outcome_and_refusals_exit_1_with_the_reason()
    {
        var url = AdminUrl.ToString();
        var first = await OpenRequestAsync();
        var second = await OpenRequestAsync();

        var self = await CliAsync(["approvals", "approve", first.Id, "--url", url, "--reason", "mine"], token: AliceToken);
        Assert.Equal(1, self.ExitCode);
        Assert.Contains("refused", self.StandardError, StringComparison.Ordinal);
        Assert.Contains("own request", self.StandardError, StringComparison.Ordinal);

        var approve = await CliAsync(["approvals", "approve", first.Id, "--url", url, "--reason", "ticket 9", "--window", "10m"], token: BobToken);
        Assert.Equal(0, approve.ExitCode);
        Assert.Contains($"approved {first.Id}", approve.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("window until", approve.StandardOutput, StringComparison.Ordinal);

        var again = await CliAsync(["approvals", "approve", first.Id, "--url", url], token: BobToken);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("no longer pending", again.StandardError, StringComparison.Ordinal);

        var deny = await CliAsync(["approvals", "deny", second.Id, "--reason", "not during the audit", "--url", url], token: BobToken);
        Assert.Equal(0, deny.ExitCode);
        Assert.Contains($"denied {second.Id}", deny.StandardOutput, StringComparison.Ordinal);

        var unknown = await CliAsync(["approvals", "show", "ap-ffffffffffff", "--url", url], token: BobToken);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no approval request 'ap-ffffffffffff'", unknown.StandardError, StringComparison.Ordinal);
        Assert.Single(unknown.StandardError.Trim().Split('\n'));
    }

    [Fact]
    public async Task Bad_usage_exits_2_and_an_unreachable_or_refusing_api_exits_1()
    {
        var url = AdminUrl.ToString();

        var noToken = await CliAsync(["approvals", "list", "--url", url]);
        Assert.Equal(2, noToken.ExitCode);
        Assert.Contains("ORLEANSGATE_TOKEN", noToken.StandardError, StringComparison.Ordinal);

        var noReason = await CliAsync(["approvals", "deny", "ap-000000000000", "--url", url], token: BobToken);
        Assert.Equal(2, noReason.ExitCode);
        Assert.Equal(2, (await CliAsync(["approvals", "approve", "ap-000000000000", "--window", "soon", "--url", url], token: BobToken)).ExitCode);
        Assert.Equal(2, (await CliAsync(["approvals", "frobnicate"], token: BobToken)).ExitCode);

        var wrongToken = await CliAsync(["approvals", "list", "--url", url], token: "not-a-token-of-anyone");
        Assert.Equal(1, wrongToken.ExitCode);
        Assert.Contains("refused the token", wrongToken.StandardError, StringComparison.Ordinal);

        var unreachable = await CliAsync(["approvals", "list", "--url", "http://127.0.0.1:9/"], token: BobToken);
        Assert.Equal(1, unreachable.ExitCode);
        Assert.Contains("cannot reach the admin API at http://127.0.0.1:9/", unreachable.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_list_shows_every_statement_in_full_and_no_terminal_control_reaches_the_terminal()
    {
        var padded = "SELECT 1;" + new string(' ', 200) + "DROP TABLE accounts";
        var request = await OpenRequestAsync(sql: padded, parameters: ["\u001b]0;pwned\u0007\u001b[2Jok", null]);

        var table = await CliAsync(["approvals", "list", "--url", AdminUrl.ToString()], token: BobToken);
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("DROP TABLE accounts", table.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', table.StandardOutput);
        Assert.DoesNotContain('\u0007', table.StandardOutput);
        Assert.Contains("\\u001B[2Jok", table.StandardOutput.Replace("\n", "", StringComparison.Ordinal).Replace("│", "", StringComparison.Ordinal)
            .Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);

        var show = await CliAsync(["approvals", "show", request.Id, "--url", AdminUrl.ToString()], token: BobToken);
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("DROP TABLE accounts", show.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("-- $2 = NULL", show.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', show.StandardOutput);

        var json = JsonDocument.Parse((await CliAsync(["approvals", "show", request.Id, "--json", "--url", AdminUrl.ToString()], token: BobToken)).StandardOutput).RootElement;
        Assert.Equal("\u001b]0;pwned\u0007\u001b[2Jok", json.GetProperty("parameters")[0][0].GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("parameters")[0][1].ValueKind);
    }
}
