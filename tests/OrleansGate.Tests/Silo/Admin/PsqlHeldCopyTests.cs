using System.Diagnostics;
using System.Text.Json.Nodes;
using OrleansGate.Grains.Approvals;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Admin;

/// <summary>
/// The issue's own scenario: psql's COPY customers TO STDOUT is held, psql shows the NOTICE and
/// waits, an approver approves it from the CLI, and the rows arrive in the same psql session.
/// </summary>
public sealed class PsqlHeldCopyTests(PostgresFixture postgres) : AdminTestBase(postgres)
{
    protected override string SetUpDatabaseSql => """
        CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
        INSERT INTO customers VALUES (1, 'Ann'), (2, 'Bob'), (3, 'Cy');
        """;

    protected override void Configure(JsonObject configuration)
    {
        base.Configure(configuration);
        GatewayConfig.UsePolicy(configuration, "main", """
            { "Name": "held", "Rules": [
              { "Name": "hold-copy-out", "Kinds": ["CopyTo"], "Action": "Hold", "ApproverGroups": ["approvers"] } ] }
            """);
    }

    [Fact]
    public async Task Psql_waits_with_the_notice_until_an_approver_approves_from_the_cli_and_then_gets_the_rows()
    {
        var start = new ProcessStartInfo("psql")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { "-X", "-v", "ON_ERROR_STOP=1", "-c", "COPY customers TO STDOUT",
                Gateway.LibpqConnectionString("alice", GatewayConfig.AlicePassword, "main") },
        };
        using var psql = Process.Start(start)!;
        var stdout = psql.StandardOutput.ReadToEndAsync();
        var stderr = psql.StandardError.ReadToEndAsync();
        var request = await PendingApprovals.WaitForAsync(Grains, sql => sql == "COPY customers TO STDOUT", "the COPY");
        Assert.False(psql.HasExited);

        var approved = await CliAsync(["approvals", "approve", request.Id, "--reason", "quarterly export", "--url", AdminUrl.ToString()], BobToken);

        Assert.Equal(0, approved.ExitCode);
        await psql.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, psql.ExitCode);
        Assert.Equal("1\tAnn\n2\tBob\n3\tCy\n", await stdout);
        var notice = await stderr;
        Assert.Contains($"NOTICE:  statement held for approval {request.Id}", notice, StringComparison.Ordinal);
        Assert.Contains($"approvals approve {request.Id}", notice, StringComparison.Ordinal);
    }
}
