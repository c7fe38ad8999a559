using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Admin.Console;

/// <summary>
/// The web console in a real browser (the system's headless Chromium, driven by Playwright): an
/// approver signs in with an API token and approves a held COPY while psql waits, then the rows
/// arrive; a denial reaches psql as an error with the reason; a requester sees no approve button on
/// their own request; a console request without the CSRF token changes nothing.
/// </summary>
public sealed class ConsoleBrowserTests(PostgresFixture postgres, ChromiumFixture chromium) : ConsoleTestBase(postgres, chromium)
{
    [Fact]
    public async Task An_approver_approves_a_held_copy_in_the_console_while_psql_waits_and_psql_gets_the_rows()
    {
        using var psql = StartHeldCopy(out var stdout, out var stderr);
        var page = await SignInAsync(BobToken);

        var card = page.Locator("article[data-approval]").Filter(new LocatorFilterOptions { HasText = HeldCopy });
        await card.WaitForAsync(new LocatorWaitForOptions { Timeout = 20_000 });
        await Screenshot(page, "pending-approvals");
        Assert.Contains("alice", await card.InnerTextAsync(), StringComparison.Ordinal);
        await card.Locator("button[data-action=approve]").ClickAsync();

        await psql.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(psql.ExitCode == 0, await stderr);
        Assert.Equal(CopiedRows, await stdout);
        await page.Locator("#approvals-empty").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible, Timeout = 10_000 });
    }

    [Fact]
    public async Task A_denial_with_its_reason_reaches_psql_as_an_error()
    {
        using var psql = StartHeldCopy(out _, out var stderr);
        var page = await SignInAsync(BobToken);
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync("not during the audit");

        var card = page.Locator("article[data-approval]").Filter(new LocatorFilterOptions { HasText = HeldCopy });
        await card.Locator("button[data-action=deny]").ClickAsync(new LocatorClickOptions { Timeout = 20_000 });

        await psql.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotEqual(0, psql.ExitCode);
        var error = await stderr;
        Assert.Contains("denied", error, StringComparison.Ordinal);
        Assert.Contains("not during the audit", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_requester_sees_no_approve_button_and_a_console_post_without_its_csrf_token_changes_nothing()
    {
        using var psql = StartHeldCopy(out _, out _);
        var request = await PendingApprovals.WaitForAsync(Grains, sql => sql == HeldCopy, "the COPY");
        var page = await SignInAsync(AliceToken);

        var card = page.Locator($"article[data-approval='{request.Id}']");
        await card.WaitForAsync(new LocatorWaitForOptions { Timeout = 20_000 });
        Assert.Equal(0, await card.Locator("button").CountAsync());
        Assert.Contains("Your own request", await card.InnerTextAsync(), StringComparison.Ordinal);

        // bob's console cookie, without the CSRF header the page sends: refused, the request still pending.
        var bob = await SignInAsync(BobToken);
        var cookie = (await bob.Context.CookiesAsync()).Single(c => c.Name == "og_console");
        using var forged = new HttpClient { BaseAddress = AdminUrl };
        forged.DefaultRequestHeaders.Add("Cookie", $"og_console={cookie.Value}");
        var refused = await forged.PostAsJsonAsync($"approvals/{request.Id}/approve", new { });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await forged.GetAsync($"approvals/{request.Id}")).StatusCode);
        Assert.Equal("pending", (await JsonOf(await forged.GetAsync($"approvals/{request.Id}"))).GetProperty("status").GetString());

        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        psql.Kill();
    }

    [Fact]
    public async Task An_administrator_opens_a_live_session_s_timeline_with_each_statement_and_its_decision()
    {
        var application = "timeline-" + Guid.NewGuid().ToString("N")[..8];
        await using var alice = await OpenViaGatewayAsync(b => b.ApplicationName = application);
        await using (var allowed = new Npgsql.NpgsqlCommand("SELECT 'seen in the console'", alice))
        {
            await allowed.ExecuteScalarAsync();
        }

        await using (var blocked = new Npgsql.NpgsqlCommand("SELECT pg_read_file('/etc/hostname')", alice))
        {
            await Assert.ThrowsAsync<Npgsql.PostgresException>(() => blocked.ExecuteScalarAsync());
        }

        var session = (await AuditRecord.SessionOfApplicationAsync(Postgres, application))[0].StreamId;
        var page = await SignInAsync(ErinToken);
        await page.ClickAsync("#nav-sessions");
        await page.Locator($"tr[data-session='{session}'] a").ClickAsync(new LocatorClickOptions { Timeout = 20_000 });

        var rows = page.Locator("#session-entries tr");
        await rows.Filter(new LocatorFilterOptions { HasText = "pg_read_file" }).WaitForAsync(new LocatorWaitForOptions { Timeout = 10_000 });
        await Screenshot(page, "session-timeline");
        Assert.Contains("Block (default:server-file-functions)",
            await rows.Filter(new LocatorFilterOptions { HasText = "pg_read_file" }).InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("Completed", await rows.Filter(new LocatorFilterOptions { HasText = "seen in the console" }).InnerTextAsync(),
            StringComparison.Ordinal);

        // Only its own identity, administrators and auditors read a session's record.
        Assert.Equal(HttpStatusCode.NotFound, (await Admin(CarolToken).GetAsync($"sessions/{session}/timeline")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Admin(AliceToken).GetAsync($"sessions/{session}/timeline")).StatusCode);
    }

    [Fact]
    public async Task Try_sql_shows_what_the_policy_would_decide_for_each_statement()
    {
        var page = await SignInAsync(AliceToken);
        await page.ClickAsync("#nav-try");
        await page.FillAsync("#try-target", "main");
        await page.FillAsync("#try-sql", "COPY customers TO STDOUT; SELECT pg_read_file('/etc/hostname'); SELECT 1");
        await page.ClickAsync("#try-form button[type=submit]");

        var rows = page.Locator("#try-results tr");
        await rows.Nth(2).WaitForAsync(new LocatorWaitForOptions { Timeout = 10_000 });
        await Screenshot(page, "try-sql");
        Assert.Contains("Hold (hold-copy-out)", await rows.Nth(0).InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("Block (default:server-file-functions)", await rows.Nth(1).InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("Allow", await rows.Nth(2).InnerTextAsync(), StringComparison.Ordinal);
        // The policy those decisions came from, as the Policies page shows it.
        await page.ClickAsync("#nav-policies");
        var main = page.Locator("article[data-target=main]");
        await main.WaitForAsync(new LocatorWaitForOptions { Timeout = 10_000 });
        Assert.Contains("main: held", await main.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("hold by approvers", await main.Locator("tr[data-rule=hold-copy-out]").InnerTextAsync(), StringComparison.Ordinal);

        // Tried, not held: nothing waits for approval.
        Assert.Empty(await Grains.GetGrain<OrleansGate.Grains.Approvals.IApprovalIndexGrain>(0).PendingAsync());
    }

    [Fact]
    public async Task A_token_that_is_not_valid_does_not_sign_in()
    {
        var page = await (await NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 480, Height = 420 } })).NewPageAsync();
        await page.GotoAsync(new Uri(AdminUrl, "console/").ToString());
        await page.FillAsync("#token", "not-a-token-of-anyone");
        await page.ClickAsync("#signin-form button[type=submit]");

        await page.Locator("#signin-error").Filter(new LocatorFilterOptions { HasText = "not valid" }).WaitForAsync();
        await Screenshot(page, "sign-in");
        Assert.True(await page.Locator("#approvals").IsHiddenAsync());
        Assert.True(await page.Locator("#nav").IsHiddenAsync());
        Assert.Empty(await page.Context.CookiesAsync());
    }

}
