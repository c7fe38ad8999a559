using System.Net;
using System.Text.Json;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Admin;

/// <summary>
/// GET /sessions lists live client sessions (with a held approval); DELETE /sessions/{id} ends one
/// with 57P01. Administrators see and end every session, everyone else only their own.
/// </summary>
public sealed class SessionEndpointTests(PostgresFixture postgres) : AdminTestBase(postgres)
{
    [Fact]
    public async Task A_live_Npgsql_session_is_listed_with_its_held_approval_and_ending_it_gives_the_client_57P01()
    {
        await using var connection = await OpenViaGatewayAsync(b => b.ApplicationName = "admin-sessions-test");
        var erin = Admin(ErinToken);

        var session = await ListedSessionAsync(erin, "admin-sessions-test");
        var id = session.GetProperty("id").GetString()!;
        Assert.Equal("alice", session.GetProperty("identity").GetString());
        Assert.Equal("main", session.GetProperty("target").GetString());
        Assert.StartsWith("127.0.0.1:", session.GetProperty("clientAddress").GetString(), StringComparison.Ordinal);
        Assert.True(session.GetProperty("startedAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1));
        Assert.Equal(JsonValueKind.Null, session.GetProperty("heldApproval").ValueKind);

        var request = await OpenRequestAsync(sessionId: id);
        Assert.Equal(request.Id, (await ListedSessionAsync(erin, "admin-sessions-test")).GetProperty("heldApproval").GetString());

        await using var sleep = new NpgsqlCommand("SELECT pg_sleep(30)", connection);
        var running = sleep.ExecuteScalarAsync();
        var end = await erin.DeleteAsync($"sessions/{id}");

        Assert.Equal(HttpStatusCode.OK, end.StatusCode);
        var error = await Assert.ThrowsAsync<PostgresException>(() => running.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal("57P01", error.SqlState);
        Assert.Equal("terminated by administrator", error.MessageText);
        Assert.Equal(System.Data.ConnectionState.Closed, connection.State);
        await Eventually.HoldsAsync(async () => !(await SessionsAsync(erin)).Any(s => s.GetProperty("id").GetString() == id));
        var ended = (await AuditRecord.EndedSessionOfApplicationAsync(Postgres, "admin-sessions-test")).Single(e => e.Type == "session_ended");
        Assert.Equal("Stopped: terminated by administrator erin", ended.Text("Reason"));
    }

    [Fact]
    public async Task Others_see_and_end_only_their_own_sessions()
    {
        await using var alices = await OpenViaGatewayAsync(b => b.ApplicationName = "admin-sessions-own");
        var id = (await ListedSessionAsync(Admin(ErinToken), "admin-sessions-own")).GetProperty("id").GetString()!;

        foreach (var token in new[] { BobToken, CarolToken })
        {
            Assert.DoesNotContain(await SessionsAsync(Admin(token)), s => s.GetProperty("id").GetString() == id);
            Assert.Equal(HttpStatusCode.NotFound, (await Admin(token).DeleteAsync($"sessions/{id}")).StatusCode);
        }

        await using (var check = new NpgsqlCommand("SELECT 1", alices))
        {
            Assert.Equal(1, await check.ExecuteScalarAsync());
        }

        var alice = Admin(AliceToken);
        Assert.Equal("alice", (await ListedSessionAsync(alice, "admin-sessions-own")).GetProperty("identity").GetString());
        Assert.Equal(HttpStatusCode.OK, (await alice.DeleteAsync($"sessions/{id}")).StatusCode);
        await using var after = new NpgsqlCommand("SELECT 1", alices);
        Assert.Equal("57P01", (await Assert.ThrowsAsync<PostgresException>(() => after.ExecuteScalarAsync())).SqlState);
    }

    [Fact]
    public async Task Ending_an_unknown_session_is_404()
    {
        var response = await Admin(ErinToken).DeleteAsync("sessions/0123456789abcdef0123456789abcdef");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static async Task<List<JsonElement>> SessionsAsync(HttpClient admin)
    {
        var response = await admin.GetAsync("sessions");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await JsonOf(response)).EnumerateArray().ToList();
    }

    // The proxy subscribes to the session directory as it starts; the first listing may come before that.
    private static async Task<JsonElement> ListedSessionAsync(HttpClient admin, string applicationName)
    {
        JsonElement? found = null;
        await Eventually.HoldsAsync(async () =>
        {
            found = (await SessionsAsync(admin)).SingleOrDefault(s => s.GetProperty("applicationName").GetString() == applicationName);
            return found.Value.ValueKind == JsonValueKind.Object;
        });
        return found!.Value;
    }
}
