using Microsoft.Playwright;
using OrleansGate.Tests.Support;

namespace OrleansGate.Tests.Silo.Admin.Console;

/// <summary>
/// The console's tests: the system's headless Chromium (Debian's chromium, driven by Playwright), a
/// gateway per test (requests live in its grains), and a signed-in page per identity.
/// </summary>
public abstract class ConsoleTestBase(PostgresFixture postgres) : HeldCopyTestBase(postgres)
{
    private IPlaywright _playwright = null!;

    protected IBrowser Browser { get; private set; } = null!;

    protected override bool SharesGatewayWithClass => false;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ["--no-sandbox"],
        });
    }

    public override async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        await base.DisposeAsync();
    }

    /// <summary>A browser of its own (cookies and all) signed in with <paramref name="token"/>, on the pending approvals.</summary>
    protected async Task<IPage> SignInAsync(string token)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 800 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(AdminUrl, "console/").ToString());
        await page.FillAsync("#token", token);
        await page.ClickAsync("#signin-form button[type=submit]");
        await page.Locator("#approvals").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible });
        return page;
    }

    /// <summary>Pictures of the pages for docs/console.md, kept with the test results.</summary>
    protected static Task Screenshot(IPage page, string name)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "console-screenshots");
        Directory.CreateDirectory(folder);
        return page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
    }
}
