using System.Buffers.Binary;
using System.Diagnostics;
using Npgsql;
using OrleansGate.Grains.Sessions.Live;
using OrleansGate.Proxy.Protocol;
using OrleansGate.Proxy.Protocol.Backend;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Cluster;

/// <summary>
/// Behind a TCP load balancer a client's CancelRequest opens a new connection, which can land on
/// another proxy than its session's: that proxy passes it on through the session directory, and
/// the session's proxy checks the secret and cancels.
/// </summary>
public sealed partial class StandaloneProxyTests
{
    [Fact]
    public async Task A_cancel_request_sent_to_another_proxy_of_the_cluster_reaches_the_session()
    {
        var silo = await StartSiloAsync();
        using var holding = StartProxy(connectTimeout: "00:00:30");
        using var other = StartProxy(connectTimeout: "00:00:30");
        try
        {
            var holdingPort = await ReadListeningPortAsync(holding);
            var otherPort = await ReadListeningPortAsync(other);
            await Eventually.HoldsAsync(silo.Grains.GetGrain<ISessionDirectoryGrain>(0).ProxiesAsync, p => p.Count == 2, TimeSpan.FromSeconds(30));

            await using var session = await RawClient.ConnectAsync(holdingPort);
            var login = await session.LoginAsync("alice", GatewayConfig.AlicePassword, "main");
            var keyData = Assert.Single(login, m => m.Type == 'K').Payload;
            var key = new BackendKey(BinaryPrimitives.ReadInt32BigEndian(keyData), BinaryPrimitives.ReadInt32BigEndian(keyData.AsSpan(4)));

            // A wrong secret sent to the other proxy stops nothing.
            const string shortSleep = "SELECT pg_sleep(2) AS cancel_wrong_secret";
            var clock = Stopwatch.StartNew();
            await session.QueryAsync(shortSleep);
            await CancelCheck.WaitUntilRunningAsync(Postgres, shortSleep);
            await SendCancelAsync(otherPort, key with { SecretKey = key.SecretKey ^ 1 });
            var finished = await session.ReadUntilReadyAsync(TimeSpan.FromSeconds(10));
            Assert.DoesNotContain(finished, m => m.Type == 'E');
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2), "the sleep ended early");

            // The right key sent to the other proxy cancels the statement on the holding one.
            const string longSleep = "SELECT pg_sleep(30) AS cancel_via_other_proxy";
            clock.Restart();
            await session.QueryAsync(longSleep);
            await CancelCheck.WaitUntilRunningAsync(Postgres, longSleep);
            await SendCancelAsync(otherPort, key);
            var cancelled = await session.ReadUntilReadyAsync(TimeSpan.FromSeconds(10));
            Assert.Equal("57014", RawClient.Error(Assert.Single(cancelled, m => m.Type == 'E')).SqlState);
            Assert.True(clock.Elapsed < CancelCheck.Prompt, $"the cancel took {clock.Elapsed}");

            // The session goes on.
            await session.QueryAsync("SELECT 1");
            Assert.Contains(await session.ReadUntilReadyAsync(TimeSpan.FromSeconds(10)), m => m.Type == 'C');
        }
        finally
        {
            Stop(holding);
            Stop(other);
        }
    }

    private static async Task SendCancelAsync(int port, BackendKey key)
    {
        await using var canceller = await RawClient.ConnectAsync(port);
        await canceller.SendAsync(b => b.CancelRequest(key));
        Assert.Empty(await canceller.ReadToEndAsync());
    }
}
