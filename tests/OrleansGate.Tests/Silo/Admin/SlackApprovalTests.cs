using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OrleansGate.Grains.Approvals;
using OrleansGate.Silo.Admin.Slack;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Admin;

/// <summary>
/// Approvals from Slack: the webhook posts a Slack message with Approve and Deny buttons for a
/// held statement, and Slack's signed callback decides it as the mapped gateway identity. A forged
/// or stale signature, an unmapped Slack user and the requester's own click change nothing.
/// </summary>
public sealed class SlackApprovalTests : AdminTestBase, IDisposable
{
    private const string SigningSecret = "slack-signing-secret-for-tests";
    private readonly WebhookReceiver _slack = new();

    public SlackApprovalTests(PostgresFixture postgres)
        : base(postgres)
    {
    }

    // Requests live in the gateway's grains: a gateway per test.
    protected override bool SharesGatewayWithClass => false;

    protected override void Configure(JsonObject configuration)
    {
        base.Configure(configuration);
        configuration.Section("Admin")["Webhook"] = new JsonObject { ["Url"] = _slack.Url, ["Format"] = "Slack" };
        configuration.Section("Admin")["Slack"] = new JsonObject
        {
            ["SigningSecret"] = SigningSecret,
            ["Users"] = new JsonObject { ["U0BOB"] = "bob", ["U0ALICE"] = "alice" },
        };
    }

    [Fact]
    public async Task The_webhook_posts_buttons_and_a_signed_click_approves_as_the_mapped_identity()
    {
        var request = await OpenRequestAsync();

        var message = JsonNode.Parse((await _slack.WaitForAsync(1)).Single().Body)!;
        var buttons = message["blocks"]!.AsArray().Single(b => (string?)b!["type"] == "actions")!["elements"]!.AsArray();
        Assert.Equal(["approve", "deny"], buttons.Select(b => (string)b!["action_id"]!).ToArray());
        Assert.All(buttons, b => Assert.Equal(request.Id, (string?)b!["value"]));
        Assert.Contains("COPY secrets TO STDOUT", message.ToJsonString(), StringComparison.Ordinal);

        var response = await CallbackAsync("U0BOB", "approve", request.Id);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var view = await Grains.GetGrain<IApprovalGrain>(request.Id).GetAsync();
        Assert.Equal(ApprovalStatus.Granted, view!.Status);
        Assert.Equal("bob", view.Approvals.Single().Approver);
    }

    [Fact]
    public async Task A_signed_deny_click_denies_with_a_reason_naming_the_identity()
    {
        var request = await OpenRequestAsync();

        Assert.Equal(HttpStatusCode.OK, (await CallbackAsync("U0BOB", "deny", request.Id)).StatusCode);

        var view = await Grains.GetGrain<IApprovalGrain>(request.Id).GetAsync();
        Assert.Equal(ApprovalStatus.Denied, view!.Status);
        Assert.Equal("denied in Slack by bob", view.Denial!.Reason);
    }

    [Theory]
    [InlineData("forged", HttpStatusCode.Unauthorized)]
    [InlineData("stale", HttpStatusCode.Unauthorized)]
    [InlineData("unsigned", HttpStatusCode.Unauthorized)]
    [InlineData("unmapped", HttpStatusCode.Forbidden)]
    [InlineData("own-request", HttpStatusCode.Forbidden)]
    public async Task A_callback_that_is_not_slacks_now_or_not_from_an_approver_changes_nothing(string kind, HttpStatusCode expected)
    {
        var request = await OpenRequestAsync(requester: "alice");

        var response = kind switch
        {
            "forged" => await CallbackAsync("U0BOB", "approve", request.Id, secret: "not-the-signing-secret"),
            "stale" => await CallbackAsync("U0BOB", "approve", request.Id, at: DateTimeOffset.UtcNow.AddMinutes(-10)),
            "unsigned" => await CallbackAsync("U0BOB", "approve", request.Id, secret: null),
            "unmapped" => await CallbackAsync("U0EVE", "approve", request.Id),
            _ => await CallbackAsync("U0ALICE", "approve", request.Id),
        };

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(ApprovalStatus.Pending, (await Grains.GetGrain<IApprovalGrain>(request.Id).GetAsync())!.Status);
    }

    /// <summary>A block_actions callback as Slack sends it: form-encoded payload, signed with the app's secret at <paramref name="at"/>.</summary>
    private async Task<HttpResponseMessage> CallbackAsync(string user, string action, string approval, string? secret = SigningSecret,
        DateTimeOffset? at = null)
    {
        var payload = new JsonObject
        {
            ["type"] = "block_actions",
            ["user"] = new JsonObject { ["id"] = user, ["username"] = user.ToLowerInvariant() },
            ["actions"] = new JsonArray(new JsonObject { ["action_id"] = action, ["block_id"] = "approval", ["value"] = approval, ["type"] = "button" }),
        };
        var body = "payload=" + Uri.EscapeDataString(payload.ToJsonString());
        var timestamp = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var message = new HttpRequestMessage(HttpMethod.Post, "slack/actions")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        if (secret is not null)
        {
            message.Headers.Add(SlackSignature.TimestampHeader, timestamp);
            message.Headers.Add(SlackSignature.SignatureHeader, SlackSignature.Compute(secret, timestamp, Encoding.UTF8.GetBytes(body)));
        }

        return await Admin(token: null).SendAsync(message);
    }

    public void Dispose() => _slack.Dispose();
}
