using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Npgsql;
using OrleansGate.Tests.Silo.Admin.Audit;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Admin.Console;

/// <summary>
/// The record in the console: an auditor filters the history to blocked sessions, opens one and
/// reads its replay and "verified"; the audit view draws its counts as SVG; someone who is not
/// an auditor is shown no audit view.
/// </summary>
// In the second collection, unlike the other console tests: with all of them the third ended last.
[Collection(SecondPostgresCollection.Name)]
public sealed class ConsoleHistoryTests(PostgresFixture postgres, ChromiumFixture chromium) : ConsoleTestBase(postgres, chromium)
{
    private readonly string _schema = AuditRecordSetup.NewSchema();

    protected override void Configure(JsonObject configuration)
    {
        base.Configure(configuration);
        AuditRecordSetup.Configure(configuration, _schema);
    }

    [Fact]
    public async Task An_auditor_filters_to_blocked_sessions_and_reads_the_replay_and_verification_of_one()
    {
        var auditor = Admin(AuditRecordSetup.DanaToken);
        await AuditRecordSetup.SessionIdAsync(auditor, await AuditRecordSetup.RunSessionAsync(Gateway, "bob", "SELECT name FROM customers"));
        var blocked = await AuditRecordSetup.SessionIdAsync(auditor,
            await AuditRecordSetup.RunSessionAsync(Gateway, "alice", "SELECT name FROM customers WHERE id = 2", AuditRecordSetup.Blocked));
        var page = await SignInAsync(AuditRecordSetup.DanaToken);

        await page.ClickAsync("#nav-history");
        var rows = page.Locator("#history-list tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await page.SelectOptionAsync("#history-decision", "blocked");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-session", blocked);
        await Assertions.Expect(rows.First).ToContainTextAsync("1 blocked");
        await Screenshot(page, "sessions-history");

        await rows.First.Locator("a").ClickAsync();
        await Assertions.Expect(page.Locator("#session-verification")).ToContainTextAsync("verified: sealed", new() { Timeout = 15_000 });
        var replay = page.Locator("#session-replay");
        await Assertions.Expect(replay).ToContainTextAsync("alice@main=> SELECT name FROM customers WHERE id = 2;");
        await Assertions.Expect(replay).ToContainTextAsync("SELECT 1");
        await Assertions.Expect(replay).ToContainTextAsync("-- blocked by rule 'default:");
        await Assertions.Expect(page.Locator("#session-end")).ToBeHiddenAsync();
        await Screenshot(page, "session-record");
    }

    [Fact]
    public async Task The_audit_view_plots_the_refusals_of_the_day_and_the_holds_by_outcome()
    {
        var auditor = Admin(AuditRecordSetup.DanaToken);
        await AuditRecordSetup.SessionIdAsync(auditor, await AuditRecordSetup.RunSessionAsync(Gateway, "alice",
            AuditRecordSetup.Blocked, AuditRecordSetup.Blocked, "SELECT name FROM customers"));
        using (var psql = StartHeldCopy(out _, out _))
        {
            var request = await PendingApprovals.WaitForAsync(Grains, sql => sql == HeldCopy, "the COPY");
            await Admin(BobToken).PostAsJsonAsync($"approvals/{request.Id}/approve", new { });
            await psql.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        // psql has its reply before the COPY's completion (its row count) is recorded, and the page
        // reads the views once: wait until the record holds both reads of customers.
        await Eventually.HoldsAsync(() => auditor.GetFromJsonAsync<JsonElement>("audit/tables"),
            tables => tables.GetProperty("top").EnumerateArray().Any(t => t.GetProperty("relation").GetString() == "customers" && t.GetProperty("rows").GetInt64() == 6));

        var page = await SignInAsync(AuditRecordSetup.DanaToken);
        await page.ClickAsync("#nav-audit");
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        // The day's column: two blocked statements (alice's) and one held (the COPY), drawn as SVG rects.
        var blockedToday = page.Locator($"#audit-activity-plot svg rect[data-series=blocked][data-label='{today}']");
        await Assertions.Expect(blockedToday).ToHaveAttributeAsync("data-value", "2", new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator($"#audit-activity-plot svg rect[data-series=held][data-label='{today}']")).ToHaveAttributeAsync("data-value", "1");
        await Assertions.Expect(page.Locator("#audit-holds-plot svg rect[data-label=approved]")).ToHaveAttributeAsync("data-value", "1");
        await Assertions.Expect(page.Locator("#audit-holds-plot svg rect[data-label=denied]")).ToHaveAttributeAsync("data-value", "0");
        // customers: 3 rows to alice's SELECT and 3 to the approved COPY.
        await Assertions.Expect(page.Locator("#audit-tables-plot svg rect[data-label='main: customers']")).ToHaveAttributeAsync("data-value", "6");
        await Assertions.Expect(page.Locator("#audit-holds tr")).ToContainTextAsync("approved");
        await Screenshot(page, "audit-views");

        // On a phone: the plots shrink to the screen and nothing makes the page scroll sideways.
        await page.SetViewportSizeAsync(390, 844);
        await page.ClickAsync("#nav-history");
        await Assertions.Expect(page.Locator("#history-list tr")).ToHaveCountAsync(2);
        await Screenshot(page, "sessions-history-phone");
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "the history is wider than a phone");
        await page.ClickAsync("#nav-audit");
        await Assertions.Expect(page.Locator("#audit-holds tr")).ToHaveCountAsync(1);
        await Screenshot(page, "audit-views-phone");
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "the audit views are wider than a phone");
    }

    [Fact]
    public async Task An_administrator_ends_a_live_session_from_its_page_and_an_auditor_may_not()
    {
        await using var alices = await OpenViaGatewayAsync(b => b.ApplicationName = "console-end-live");
        var listed = await Eventually.HoldsAsync(async () => await Admin(ErinToken).GetFromJsonAsync<List<System.Text.Json.JsonElement>>("sessions"),
            sessions => sessions!.Any(s => s.GetProperty("applicationName").GetString() == "console-end-live"));
        var id = listed!.Single(s => s.GetProperty("applicationName").GetString() == "console-end-live").GetProperty("id").GetString()!;

        var dana = await SignInAsync(AuditRecordSetup.DanaToken);
        await dana.GotoAsync(new Uri(AdminUrl, $"console/#session/{id}").ToString());
        await Assertions.Expect(dana.Locator("#session-verification")).ToContainTextAsync("verified: open", new() { Timeout = 15_000 });
        await Assertions.Expect(dana.Locator("#session-end")).ToBeHiddenAsync();

        var erin = await SignInAsync(ErinToken);
        erin.Dialog += (_, dialog) => dialog.AcceptAsync();
        await erin.GotoAsync(new Uri(AdminUrl, $"console/#session/{id}").ToString());
        var end = erin.Locator("#session-end");
        await end.ClickAsync(new LocatorClickOptions { Timeout = 15_000 });

        await Assertions.Expect(end).ToBeHiddenAsync(new() { Timeout = 15_000 });
        await using var after = new NpgsqlCommand("SELECT 1", alices);
        Assert.Equal("57P01", (await Assert.ThrowsAsync<PostgresException>(() => after.ExecuteScalarAsync())).SqlState);
        await Assertions.Expect(erin.Locator("#session-verification")).ToContainTextAsync("verified: sealed", new() { Timeout = 15_000 });
    }

    [Fact]
    public async Task Someone_who_is_not_an_auditor_is_shown_no_audit_view()
    {
        var page = await SignInAsync(BobToken);

        await Assertions.Expect(page.Locator("#nav-history")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#nav-audit")).ToBeHiddenAsync();
        await page.GotoAsync(new Uri(AdminUrl, "console/#audit").ToString());
        await Assertions.Expect(page.Locator("#approvals")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#audit")).ToBeHiddenAsync();
        Assert.Equal(403, (int)(await Admin(BobToken).GetAsync("audit/activity")).StatusCode);
    }
}
