using OrleansGate.Grains.Approvals;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Admin;

/// <summary>
/// The issue's own scenario: psql's COPY customers TO STDOUT is held, psql shows the NOTICE and
/// waits, an approver approves it from the CLI, and the rows arrive in the same psql session.
/// </summary>
public sealed class PsqlHeldCopyTests(PostgresFixture postgres) : HeldCopyTestBase(postgres)
{
    [Fact]
    public async Task Psql_waits_with_the_notice_until_an_approver_approves_from_the_cli_and_then_gets_the_rows()
    {
        using var psql = StartHeldCopy(out var stdout, out var stderr);
        var request = await PendingApprovals.WaitForAsync(Grains, sql => sql == HeldCopy, "the COPY");
        Assert.False(psql.HasExited);

        var approved = await CliAsync(["approvals", "approve", request.Id, "--reason", "quarterly export", "--url", AdminUrl.ToString()], BobToken);

        Assert.Equal(0, approved.ExitCode);
        await psql.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, psql.ExitCode);
        Assert.Equal(CopiedRows, await stdout);
        var notice = await stderr;
        Assert.Contains($"NOTICE:  statement held for approval {request.Id}", notice, StringComparison.Ordinal);
        Assert.Contains($"approvals approve {request.Id}", notice, StringComparison.Ordinal);
    }
}
