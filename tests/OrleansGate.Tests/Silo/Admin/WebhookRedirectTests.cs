using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Admin;

/// <summary>
/// A webhook that answers with a redirect does not get its signed body sent on to wherever it
/// points: a redirect is a failed delivery, retried at the configured URL and then given up.
/// </summary>
public sealed class WebhookRedirectTests : AdminTestBase
{
    private readonly WebhookReceiver _elsewhere = new();
    private readonly WebhookReceiver _receiver;

    public WebhookRedirectTests(PostgresFixture postgres)
        : base(postgres) =>
        _receiver = new WebhookReceiver(307, 307, 307, 307) { RedirectTo = _elsewhere.Url };

    protected override void Configure(JsonObject configuration)
    {
        base.Configure(configuration);
        configuration.Section("Admin")["Webhook"] = new JsonObject
        {
            ["Url"] = _receiver.Url, ["Secret"] = "redirect-test-secret", ["RetryDelay"] = "00:00:00.050", ["Attempts"] = 2,
        };
    }

    [Fact]
    public async Task A_redirect_is_a_failed_delivery_and_nothing_reaches_where_it_points()
    {
        var request = await OpenRequestAsync();
        Assert.Equal(HttpStatusCode.OK, (await Admin(BobToken).PostAsJsonAsync($"approvals/{request.Id}/deny", new { reason = "no" })).StatusCode);

        // Two events (requested, denied), two attempts each, every one answered 307.
        var deliveries = await _receiver.WaitForAsync(4);
        Assert.Equal([307, 307, 307, 307], deliveries.Select(d => d.AnsweredWith).ToArray());
        await Task.Delay(300);
        Assert.Empty(_elsewhere.Deliveries);
        Assert.Contains(Gateway.Log.Entries, e => e.Message.Contains("HTTP 307", StringComparison.Ordinal));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _receiver.Dispose();
        _elsewhere.Dispose();
    }
}
