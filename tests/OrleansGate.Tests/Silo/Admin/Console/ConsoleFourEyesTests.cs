using System.Text.Json.Nodes;
using Microsoft.Playwright;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Admin.Console;

/// <summary>
/// Four eyes in the console: a rule that needs two approvers holds psql's COPY through the first
/// approval (the card then shows "1 of 2") and lets the rows out after the second, given in
/// another browser by another approver.
/// </summary>
public sealed class ConsoleFourEyesTests(PostgresFixture postgres, ChromiumFixture chromium) : ConsoleTestBase(postgres, chromium)
{
    private const string DaveToken = "dave-api-token-00001";

    protected override void Configure(JsonObject configuration)
    {
        base.Configure(configuration);
        var dave = GatewayConfig.Identity("dave", "dave-secret", "approvers");
        dave["ApiToken"] = DaveToken;
        ((JsonArray)configuration["OrleansGate"]!["Identities"]!).Add(dave);
        GatewayConfig.UsePolicy(configuration, "main", """
            { "Name": "held-twice", "Rules": [
              { "Name": "hold-copy-out", "Kinds": ["CopyTo"], "Action": "Hold", "ApproverGroups": ["approvers"], "MinApprovals": 2 } ] }
            """);
    }

    [Fact]
    public async Task Two_approvers_in_two_browsers_release_the_copy_and_one_is_not_enough()
    {
        using var psql = StartHeldCopy(out var stdout, out var stderr);
        var bob = await SignInAsync(BobToken);
        var dave = await SignInAsync(DaveToken);

        var bobsCard = Card(bob);
        await bobsCard.Locator("button[data-action=approve]").ClickAsync(new LocatorClickOptions { Timeout = 20_000 });
        var davesCard = Card(dave);
        await davesCard.Filter(new LocatorFilterOptions { HasText = "1 of 2" }).WaitForAsync(new LocatorWaitForOptions { Timeout = 10_000 });
        await Task.Delay(1000);
        Assert.False(psql.HasExited, "one approval of two released the COPY");

        await davesCard.Locator("button[data-action=approve]").ClickAsync();

        await psql.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(psql.ExitCode == 0, await stderr);
        Assert.Equal(CopiedRows, await stdout);
    }

    private static ILocator Card(IPage page) => page.Locator("article[data-approval]").Filter(new LocatorFilterOptions { HasText = HeldCopy });
}
