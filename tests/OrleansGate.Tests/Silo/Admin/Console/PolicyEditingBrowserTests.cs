using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Admin.Console;

/// <summary>
/// Editing a policy in the console (headless Chromium): bob, a policy editor, first saves a rule
/// with a typo and reads the gateway's refusal naming the key; then adds a block rule, and alice's
/// Npgsql session is refused with 42501 naming it; rolling back to version 1 (which removes the
/// Block rule) is for an administrator: bob is refused and told why, erin's rollback lets her through again.
/// </summary>
public sealed class PolicyEditingBrowserTests(PostgresFixture postgres, ChromiumFixture chromium) : ConsoleTestBase(postgres, chromium)
{
    protected override void Configure(JsonObject configuration)
    {
        base.Configure(configuration);
        configuration.Section("Admin")["PolicyEditorGroups"] = new JsonArray("approvers");
    }

    [Fact]
    public async Task An_editor_adds_a_block_rule_that_refuses_the_next_statement_and_a_rollback_lets_it_through()
    {
        await using var alice = await OpenViaGatewayAsync();
        Assert.Equal(3L, await CountAsync(alice));

        var bob = await SignInAsync(BobToken);
        await bob.ClickAsync("#nav-policies");
        await bob.ClickAsync("#policy-edit-buttons button[data-policy=held]");
        await bob.Locator("#policy-edit-form").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible });
        Assert.Contains("hold-copy-out", await bob.InputValueAsync("#policy-edit-rules"), StringComparison.Ordinal);

        // A typo: refused with the key named, and nothing changes.
        await bob.FillAsync("#policy-edit-rules", """[ { "Name": "no-customers", "Relations": ["customers"], "Kinds": ["Selekt"], "Action": "Block" } ]""");
        await bob.FillAsync("#policy-edit-reason", "customers only through the CRM");
        await bob.ClickAsync("#policy-edit-save");
        await Assertions.Expect(bob.Locator("#policy-edit-error")).ToContainTextAsync("OrleansGate:Policies:0:Rules:0:Kinds:0: 'Selekt' is not a valid StatementKind");
        Assert.Equal(3L, await CountAsync(alice));

        await bob.FillAsync("#policy-edit-rules", """
            [ { "Name": "hold-copy-out", "Kinds": ["CopyTo"], "Action": "Hold", "ApproverGroups": ["approvers"] },
              { "Name": "no-customers", "Relations": ["customers"], "Action": "Block", "Message": "customers are read through the CRM" } ]
            """);
        await bob.ClickAsync("#policy-edit-save");
        await Assertions.Expect(bob.Locator("#policy-version-title")).ToContainTextAsync("Version 2 by bob: customers only through the CRM");
        await Assertions.Expect(bob.Locator("#policy-version-changes")).ToContainTextAsync("policy 'held': rule 'no-customers' added at 2");
        await Assertions.Expect(bob.Locator("#policy-versions-list tr[data-version='2']")).ToContainTextAsync("(in force)");
        await Screenshot(bob, "policy-versions");

        var refused = await Assert.ThrowsAsync<PostgresException>(() => CountAsync(alice));
        Assert.Equal("42501", refused.SqlState);
        Assert.Contains("customers are read through the CRM", refused.MessageText, StringComparison.Ordinal);

        // Rolling back removes a Block rule: bob, an editor but no administrator, is refused and told why.
        await bob.ClickAsync("#policy-versions-list tr[data-version='1'] button.view-version");
        await Assertions.Expect(bob.Locator("#policy-version-title")).ToContainTextAsync("Version 1 by file");
        await bob.FillAsync("#policy-rollback-reason", "the CRM is late");
        await bob.ClickAsync("#policy-rollback button[type=submit]");
        await Assertions.Expect(bob.Locator("#policy-rollback-error"))
            .ToContainTextAsync("only an administrator may loosen what protects data: policy 'held': Block rule 'no-customers' removed");
        Assert.Throws<PostgresException>(() => CountAsync(alice).GetAwaiter().GetResult());

        // erin, an administrator, may.
        var erin = await SignInAsync(ErinToken);
        await erin.ClickAsync("#nav-policies");
        await erin.ClickAsync("#policy-versions-list tr[data-version='1'] button.view-version");
        await Assertions.Expect(erin.Locator("#policy-version-title")).ToContainTextAsync("Version 1 by file");
        await erin.FillAsync("#policy-rollback-reason", "the CRM is late");
        await erin.ClickAsync("#policy-rollback button[type=submit]");
        await Assertions.Expect(erin.Locator("#policy-version-title")).ToContainTextAsync("Version 3 by erin: the CRM is late");
        await Assertions.Expect(erin.Locator("#policy-version-changes")).ToContainTextAsync("rule 'no-customers' removed");

        Assert.Equal(3L, await CountAsync(alice));
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT count(*) FROM customers", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
