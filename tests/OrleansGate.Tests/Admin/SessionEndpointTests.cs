using System.Net;
using System.Text.Json;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Admin;

/// <summary>GET /sessions lists live client sessions (with a held approval); DELETE /sessions/{id} ends one with 57P01.</summary>
public sealed class SessionEndpointTests(PostgresFixture postgres) : AdminTestBase(postgres)
{
    [Fact]
    public async Task A_live_Npgsql_session_is_listed_with_its_held_approval_and_ending_it_gives_the_client_57P01()
    {
        await using var connection = await OpenViaGatewayAsync(b => b.ApplicationName = "admin-sessions-test");
        var bob = Admin(BobToken);

        var session = await ListedSessionAsync(bob, "admin-sessions-test");
        var id = session.GetProperty("id").GetString()!;
        Assert.Equal("alice", session.GetProperty("identity").GetString());
        Assert.Equal("main", session.GetProperty("target").GetString());
        Assert.StartsWith("127.0.0.1:", session.GetProperty("clientAddress").GetString(), StringComparison.Ordinal);
        Assert.True(session.GetProperty("startedAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1));
        Assert.Equal(JsonValueKind.Null, session.GetProperty("heldApproval").ValueKind);

        var request = await OpenRequestAsync(sessionId: id);
        Assert.Equal(request.Id, (await ListedSessionAsync(bob, "admin-sessions-test")).GetProperty("heldApproval").GetString());

        await using var sleep = new NpgsqlCommand("SELECT pg_sleep(30)", connection);
        var running = sleep.ExecuteScalarAsync();
        var end = await bob.DeleteAsync($"sessions/{id}");

        Assert.Equal(HttpStatusCode.OK, end.StatusCode);
        var error = await Assert.ThrowsAsync<PostgresException>(() => running.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal("57P01", error.SqlState);
        Assert.Equal("terminated by administrator", error.MessageText);
        Assert.Equal(System.Data.ConnectionState.Closed, connection.State);
        await Eventually(async () => !(await SessionsAsync(bob)).Any(s => s.GetProperty("id").GetString() == id));
    }

    [Fact]
    public async Task Ending_an_unknown_session_is_404()
    {
        var response = await Admin(BobToken).DeleteAsync("sessions/0123456789abcdef0123456789abcdef");

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
        await Eventually(async () =>
        {
            found = (await SessionsAsync(admin)).SingleOrDefault(s => s.GetProperty("applicationName").GetString() == applicationName);
            return found.Value.ValueKind == JsonValueKind.Object;
        });
        return found!.Value;
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within 15 s");
            await Task.Delay(100);
        }
    }
}
