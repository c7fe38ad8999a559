using Microsoft.Playwright;
using Xunit;

namespace OrleansGate.Tests.Silo.Admin.Console;

/// <summary>
/// The system's headless Chromium (Debian's chromium, driven by Playwright), launched once for the
/// tests of a class: each test and identity still gets a browser context of its own (its own
/// cookies and storage), so sharing the process shares nothing a test could see.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ["--no-sandbox"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
