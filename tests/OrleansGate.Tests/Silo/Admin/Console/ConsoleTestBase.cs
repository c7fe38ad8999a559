using Microsoft.Playwright;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Admin.Console;

/// <summary>
/// The console's tests: headless Chromium (<see cref="ChromiumFixture"/>, one per class), a gateway
/// per test (requests live in its grains), and a signed-in page per identity, each in a browser
/// context of its own.
/// </summary>
[Collection(ThirdPostgresCollection.Name)]
public abstract class ConsoleTestBase(PostgresFixture postgres, ChromiumFixture chromium) : HeldCopyTestBase(postgres), IClassFixture<ChromiumFixture>
{
    private readonly List<IBrowserContext> _contexts = [];

    protected override bool SharesGatewayWithClass => false;

    public override async Task DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    /// <summary>A browser context of this test's, closed when the test ends.</summary>
    protected async Task<IBrowserContext> NewContextAsync(BrowserNewContextOptions options)
    {
        var context = await chromium.Browser.NewContextAsync(options);
        _contexts.Add(context);
        return context;
    }

    /// <summary>A browser of its own (cookies and all) signed in with <paramref name="token"/>, on the pending approvals.</summary>
    protected async Task<IPage> SignInAsync(string token)
    {
        var context = await NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 800 } });
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
