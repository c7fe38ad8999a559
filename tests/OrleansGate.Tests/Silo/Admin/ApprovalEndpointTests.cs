using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Admin;

/// <summary>
/// GET /approvals, GET /approvals/{id}, POST …/approve and …/deny, with the status codes a script
/// relies on. The approver is the token's identity.
/// </summary>
public sealed class ApprovalEndpointTests(PostgresFixture postgres) : AdminTestBase(postgres)
{
    [Fact]
    public async Task The_listing_shows_a_pending_request_with_what_an_approver_needs()
    {
        var request = await OpenRequestAsync(sql: "COPY secrets TO STDOUT");

        var list = await JsonOf(await Admin(BobToken).GetAsync("approvals"));

        var item = list.EnumerateArray().Single(e => e.GetProperty("id").GetString() == request.Id);
        Assert.Equal("COPY secrets TO STDOUT", item.GetProperty("sql").GetString());
        Assert.Equal("alice", item.GetProperty("requester").GetString());
        Assert.Equal("main", item.GetProperty("target").GetString());
        Assert.Equal("hold-copy-out", item.GetProperty("rule").GetString());
        Assert.Equal(request.SessionId, item.GetProperty("session").GetString());
        Assert.Equal("approvers", item.GetProperty("approverGroups").EnumerateArray().Single().GetString());
        Assert.Equal(request.ExpiresAt, item.GetProperty("expires").GetDateTimeOffset());
        Assert.Matches(@"^\d\d:\d\d:\d\d$", item.GetProperty("age").GetString());
        Assert.Equal("pending", item.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Show_answers_404_for_an_unknown_id_and_the_request_for_a_known_one()
    {
        var request = await OpenRequestAsync();
        var admin = Admin(BobToken);

        var unknown = await admin.GetAsync("approvals/ap-ffffffffffff");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("ap-ffffffffffff", (await JsonOf(unknown)).GetProperty("error").GetString(), StringComparison.Ordinal);

        var known = await JsonOf(await admin.GetAsync($"approvals/{request.Id}"));
        Assert.Equal(request.Id, known.GetProperty("id").GetString());
        Assert.Equal("pending", known.GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_approver_approves_once_then_the_request_is_no_longer_pending()
    {
        var request = await OpenRequestAsync();
        var bob = Admin(BobToken);

        var approve = await bob.PostAsJsonAsync($"approvals/{request.Id}/approve", new { reason = "ticket 42", window = "00:10:00" });

        Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        var granted = await JsonOf(approve);
        Assert.Equal("granted", granted.GetProperty("status").GetString());
        var vote = granted.GetProperty("approvals").EnumerateArray().Single();
        Assert.Equal("bob", vote.GetProperty("approver").GetString());
        Assert.Equal("ticket 42", vote.GetProperty("reason").GetString());
        Assert.True(granted.GetProperty("windowUntil").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(9));

        var again = await bob.PostAsJsonAsync($"approvals/{request.Id}/approve", new { reason = "again" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("granted", (await JsonOf(again)).GetProperty("error").GetString(), StringComparison.Ordinal);
        var list = await JsonOf(await bob.GetAsync("approvals"));
        Assert.DoesNotContain(list.EnumerateArray(), e => e.GetProperty("id").GetString() == request.Id);
    }

    [Fact]
    public async Task Approve_without_a_body_works_and_unknown_ids_and_bad_windows_are_told_apart()
    {
        var bob = Admin(BobToken);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PostAsync("approvals/ap-ffffffffffff/approve", null)).StatusCode);

        var request = await OpenRequestAsync();
        var badWindow = await bob.PostAsJsonAsync($"approvals/{request.Id}/approve", new { window = "ten minutes" });
        Assert.Equal(HttpStatusCode.BadRequest, badWindow.StatusCode);

        var approve = await bob.PostAsync($"approvals/{request.Id}/approve", null);
        Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        Assert.Equal("granted", (await JsonOf(approve)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Self_approval_and_approval_by_a_non_approver_are_refused_with_403_and_the_reason()
    {
        var own = await OpenRequestAsync(requester: "bob");
        var self = await Admin(BobToken).PostAsJsonAsync($"approvals/{own.Id}/approve", new { reason = "mine" });
        Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);
        Assert.Contains("own request", (await JsonOf(self)).GetProperty("error").GetString(), StringComparison.Ordinal);

        // An administrator sees every request, but approves only as a member of its approver groups.
        var other = await OpenRequestAsync(requester: "alice");
        var admin = await Admin(ErinToken).PostAsJsonAsync($"approvals/{other.Id}/approve", new { reason = "why not" });
        Assert.Equal(HttpStatusCode.Forbidden, admin.StatusCode);
        Assert.Contains("only members of approvers can", (await JsonOf(admin)).GetProperty("error").GetString(), StringComparison.Ordinal);

        var still = await JsonOf(await Admin(BobToken).GetAsync($"approvals/{other.Id}"));
        Assert.Equal("pending", still.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_request_is_shown_only_to_its_requester_its_approver_groups_and_administrators()
    {
        var request = await OpenRequestAsync(requester: "alice", sql: "COPY secrets TO STDOUT -- visibility");

        foreach (var (token, sees) in new[] { (AliceToken, true), (BobToken, true), (ErinToken, true), (CarolToken, false) })
        {
            var listed = (await JsonOf(await Admin(token).GetAsync("approvals"))).EnumerateArray().Any(a => a.GetProperty("id").GetString() == request.Id);
            Assert.Equal(sees, listed);
            Assert.Equal(sees ? HttpStatusCode.OK : HttpStatusCode.NotFound, (await Admin(token).GetAsync($"approvals/{request.Id}")).StatusCode);
        }

        // To an outsider the request does not exist: the same answer as an id nobody made.
        var outsider = await Admin(CarolToken).PostAsJsonAsync($"approvals/{request.Id}/deny", new { reason = "nosy" });
        var unknown = await Admin(CarolToken).PostAsJsonAsync("approvals/ap-ffffffffffff/deny", new { reason = "nosy" });
        Assert.Equal(HttpStatusCode.NotFound, outsider.StatusCode);
        Assert.Equal((await JsonOf(unknown)).GetProperty("error").GetString()!.Replace("ap-ffffffffffff", request.Id, StringComparison.Ordinal),
            (await JsonOf(outsider)).GetProperty("error").GetString());
        Assert.Equal("pending", (await JsonOf(await Admin(BobToken).GetAsync($"approvals/{request.Id}"))).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Deny_needs_a_reason_and_then_records_who_denied_and_why()
    {
        var request = await OpenRequestAsync();
        var bob = Admin(BobToken);

        Assert.Equal(HttpStatusCode.BadRequest, (await bob.PostAsJsonAsync($"approvals/{request.Id}/deny", new { reason = " " })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await bob.PostAsync($"approvals/{request.Id}/deny", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound,
            (await bob.PostAsJsonAsync("approvals/ap-ffffffffffff/deny", new { reason = "no" })).StatusCode);

        var deny = await bob.PostAsJsonAsync($"approvals/{request.Id}/deny", new { reason = "not during the audit" });

        Assert.Equal(HttpStatusCode.OK, deny.StatusCode);
        var denied = await JsonOf(deny);
        Assert.Equal("denied", denied.GetProperty("status").GetString());
        Assert.Equal("bob", denied.GetProperty("denial").GetProperty("approver").GetString());
        Assert.Equal("not during the audit", denied.GetProperty("denial").GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.Conflict,
            (await bob.PostAsJsonAsync($"approvals/{request.Id}/approve", new { reason = "changed my mind" })).StatusCode);
    }

    [Fact]
    public async Task An_absurd_window_or_an_overlong_reason_is_400_and_the_request_stays_pending()
    {
        var request = await OpenRequestAsync();
        var bob = Admin(BobToken);

        var huge = await bob.PostAsJsonAsync($"approvals/{request.Id}/approve", new { window = "10675199.02:48:05.4775807" });
        Assert.Equal(HttpStatusCode.BadRequest, huge.StatusCode);
        Assert.Contains("longest allowed, 30 days", (await JsonOf(huge)).GetProperty("error").GetString(), StringComparison.Ordinal);

        var essay = await bob.PostAsJsonAsync($"approvals/{request.Id}/deny", new { reason = new string('x', 100_000) });
        Assert.Equal(HttpStatusCode.BadRequest, essay.StatusCode);
        Assert.Contains("at most 1000 characters", (await JsonOf(essay)).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest,
            (await bob.PostAsJsonAsync($"approvals/{request.Id}/approve", new { reason = new string('x', 1001) })).StatusCode);

        Assert.Equal("pending", (await JsonOf(await bob.GetAsync($"approvals/{request.Id}"))).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await bob.PostAsJsonAsync($"approvals/{request.Id}/approve", new { window = "30.00:00:00" })).StatusCode);
    }
}
