using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Admin.Audit;

/// <summary>
/// GET /audit/tables, /audit/activity and /audit/holds: the numbers a known set of sessions gives
/// (rows read per table, masked/held/blocked per identity per day, a denied hold), and that only
/// administrators and auditors may read them.
/// </summary>
public sealed class AuditViewEndpointTests(PostgresFixture postgres) : AuditRecordTestBase(postgres)
{
    [Fact]
    public async Task The_views_count_rows_per_table_refusals_per_identity_per_day_and_how_holds_ended()
    {
        await SessionIdAsync(await RunSessionAsync("alice", "SELECT name FROM customers", "SELECT id, name FROM customers",
            "SELECT pg_read_file('/etc/passwd')"));
        await SessionIdAsync(await RunSessionAsync("bob", "SELECT name FROM customers WHERE id = 1"));
        await DeniedCopyAsync();
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        var tables = await Eventually.HoldsAsync(() => ViewAsync(DanaToken, "audit/tables?days=1"),
            t => t.GetProperty("top").EnumerateArray().Any(r => r.GetProperty("held").GetInt64() == 1));
        var customers = tables.GetProperty("top").EnumerateArray().Single(r => r.GetProperty("relation").GetString() == "customers");
        Assert.Equal("main", customers.GetProperty("target").GetString());
        Assert.Equal(7, customers.GetProperty("rows").GetInt64()); // 3 + 3 + 1; the denied COPY never ran
        Assert.Equal(4, customers.GetProperty("statements").GetInt64());
        Assert.Equal(1, customers.GetProperty("held").GetInt64());

        var activity = (await ViewAsync(DanaToken, "audit/activity?days=7")).GetProperty("rows").EnumerateArray().ToList();
        var alice = activity.Single(r => r.GetProperty("identity").GetString() == "alice");
        Assert.Equal(today, alice.GetProperty("day").GetString());
        Assert.Equal(1, alice.GetProperty("blocked").GetInt64());
        Assert.Equal(1, alice.GetProperty("held").GetInt64());
        Assert.Equal(0, activity.Single(r => r.GetProperty("identity").GetString() == "bob").GetProperty("blocked").GetInt64());

        var holds = await ViewAsync(ErinToken, "audit/holds");
        var hold = Assert.Single(holds.GetProperty("requests").EnumerateArray());
        Assert.Equal("denied", hold.GetProperty("outcome").GetString());
        Assert.Equal("bob", hold.GetProperty("decidedBy").GetString());
        Assert.Equal("not without a ticket", hold.GetProperty("reason").GetString());
        Assert.Equal("alice", hold.GetProperty("requester").GetString());
        Assert.Equal(1, holds.GetProperty("outcomes").GetProperty("denied").GetInt64());
        Assert.Equal(0, holds.GetProperty("outcomes").GetProperty("approved").GetInt64());
    }

    [Fact]
    public async Task Only_administrators_and_auditors_read_the_audit_views()
    {
        foreach (var path in new[] { "audit/tables", "audit/activity", "audit/holds" })
        {
            foreach (var token in new[] { AliceToken, BobToken, CarolToken })
            {
                var refused = await Admin(token).GetAsync(path);
                Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
                Assert.Equal("the audit views are for administrators and auditors", (await JsonOf(refused)).GetProperty("error").GetString());
            }

            Assert.Equal(HttpStatusCode.OK, (await Admin(DanaToken).GetAsync(path)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await Admin(ErinToken).GetAsync(path)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await Admin(DanaToken).GetAsync("audit/activity?days=0")).StatusCode);
    }

    /// <summary>alice's psql COPY, held, and denied by bob with a reason; returns once psql has its error.</summary>
    private async Task DeniedCopyAsync()
    {
        using var psql = StartHeldCopy(out _, out var stderr);
        var request = await PendingApprovals.WaitForAsync(Grains, sql => sql == HeldCopy, "the COPY");
        var denied = await Admin(BobToken).PostAsJsonAsync($"approvals/{request.Id}/deny", new { reason = "not without a ticket" });
        Assert.Equal(HttpStatusCode.OK, denied.StatusCode);
        await psql.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("not without a ticket", await stderr, StringComparison.Ordinal);
    }

    private async Task<JsonElement> ViewAsync(string token, string path)
    {
        var response = await Admin(token).GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await JsonOf(response);
    }
}
