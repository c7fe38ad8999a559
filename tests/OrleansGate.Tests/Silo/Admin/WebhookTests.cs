using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Admin;

/// <summary>
/// Every new request and outcome is POSTed to the webhook, signed with HMAC-SHA256 of the body,
/// retried after a failed delivery; a webhook that fails does not hold anything up.
/// </summary>
public sealed class WebhookTests(PostgresFixture postgres) : AdminTestBase(postgres)
{
    private const string Secret = "webhook-shared-secret";

    // The first delivery is answered 500: the same event must come again.
    private readonly WebhookReceiver _receiver = new(500);

    protected override void Configure(JsonObject configuration)
    {
        base.Configure(configuration);
        configuration.Section("Admin")["Webhook"] = new JsonObject
        {
            ["Url"] = _receiver.Url, ["Secret"] = Secret, ["RetryDelay"] = "00:00:00.100", ["Attempts"] = 3,
        };
    }

    [Fact]
    public async Task A_request_and_its_grant_are_delivered_signed_and_a_failed_delivery_is_retried()
    {
        var request = await OpenRequestAsync(sql: "COPY secrets TO STDOUT");
        var approve = await Admin(BobToken).PostAsJsonAsync($"approvals/{request.Id}/approve", new { reason = "ticket 7" });
        Assert.Equal(HttpStatusCode.OK, approve.StatusCode);

        var deliveries = await _receiver.WaitForAsync(3);

        Assert.Equal(3, deliveries.Count);
        Assert.Equal([500, 200, 200], deliveries.Select(d => d.AnsweredWith).ToArray());
        Assert.Equal(deliveries[0].Body, deliveries[1].Body);
        foreach (var delivery in deliveries)
        {
            var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(delivery.Body)));
            Assert.Equal(expected, delivery.Signature);
            Assert.StartsWith("application/json", delivery.ContentType, StringComparison.Ordinal);
        }

        var requested = JsonDocument.Parse(deliveries[1].Body).RootElement;
        Assert.Equal("requested", requested.GetProperty("event").GetString());
        Assert.Equal("requested", deliveries[1].Event);
        Assert.Equal(request.Id, requested.GetProperty("id").GetString());
        Assert.Equal(request.SessionId, requested.GetProperty("session").GetString());
        Assert.Equal("alice", requested.GetProperty("requester").GetString());
        Assert.Equal("main", requested.GetProperty("target").GetString());
        Assert.Equal("hold-copy-out", requested.GetProperty("rule").GetString());
        Assert.Equal("COPY secrets TO STDOUT", requested.GetProperty("sql").EnumerateArray().Single().GetString());
        Assert.Equal(JsonValueKind.Null, requested.GetProperty("approver").ValueKind);

        var granted = JsonDocument.Parse(deliveries[2].Body).RootElement;
        Assert.Equal("granted", granted.GetProperty("event").GetString());
        Assert.Equal("bob", granted.GetProperty("approver").GetString());
        Assert.Equal("ticket 7", granted.GetProperty("reason").GetString());
        Assert.True(granted.GetProperty("at").GetDateTimeOffset() >= requested.GetProperty("at").GetDateTimeOffset());
        Assert.Contains(Gateway.Log.Entries, e => e.Message.Contains("HTTP 500", StringComparison.Ordinal));
        Assert.DoesNotContain(Gateway.Log.Entries, e => e.Message.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_denial_is_delivered_with_the_approver_and_reason()
    {
        var request = await OpenRequestAsync();
        await Admin(BobToken).PostAsJsonAsync($"approvals/{request.Id}/deny", new { reason = "not now" });

        var deliveries = await _receiver.WaitForAsync(3);

        var denied = JsonDocument.Parse(deliveries[^1].Body).RootElement;
        Assert.Equal("denied", denied.GetProperty("event").GetString());
        Assert.Equal("bob", denied.GetProperty("approver").GetString());
        Assert.Equal("not now", denied.GetProperty("reason").GetString());
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _receiver.Dispose();
    }
}
