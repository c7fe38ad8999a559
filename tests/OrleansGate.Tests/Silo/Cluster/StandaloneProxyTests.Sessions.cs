using Npgsql;
using OrleansGate.Grains.Sessions.Live;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Cluster;

/// <summary>
/// The standalone proxy subscribes its live sessions to the silos' session directory (what the
/// admin API's GET/DELETE /sessions use), so a silo can list and end a session it does not hold.
/// </summary>
public sealed partial class StandaloneProxyTests
{
    [Fact]
    public async Task The_silo_lists_and_ends_a_session_held_by_a_standalone_proxy()
    {
        var silo = await StartSiloAsync();
        using var proxy = StartProxy(connectTimeout: "00:00:30");
        try
        {
            var port = await ReadListeningPortAsync(proxy);
            var application = "directory-" + Guid.NewGuid().ToString("N")[..8];
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1", Port = port, Username = "alice", Password = GatewayConfig.AlicePassword, Database = "main",
                Pooling = false, SslMode = SslMode.Disable, Timeout = 15, ApplicationName = application,
            }.ConnectionString);
            await connection.OpenAsync();

            var directory = silo.Grains.GetGrain<ISessionDirectoryGrain>(0);
            var sessions = await Eventually.HoldsAsync(directory.ListAsync, l => l.Any(s => s.ApplicationName == application), TimeSpan.FromSeconds(30));
            var session = sessions.Single(s => s.ApplicationName == application);
            Assert.Equal("alice", session.Identity);

            Assert.True(await directory.TerminateAsync(session.Id, "bob"));

            var error = await Assert.ThrowsAsync<PostgresException>(() => connection.ScalarIntAsync("SELECT 1"));
            Assert.Equal("57P01", error.SqlState);
            Assert.Equal("terminated by administrator", error.MessageText);
            var after = await Eventually.HoldsAsync(directory.ListAsync, l => l.All(s => s.Id != session.Id), TimeSpan.FromSeconds(10));
            Assert.DoesNotContain(after, s => s.Id == session.Id);
        }
        finally
        {
            Stop(proxy);
        }
    }
}
