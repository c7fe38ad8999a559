using System.Text.Json.Nodes;
using Npgsql;
using Orleans.Runtime;
using OrleansGate.Grains.Approvals;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Cluster;

/// <summary>
/// The restart scenario with a real client: a statement held through a standalone proxy
/// outlives the silo that held its approval; it is approved on the other silo, and the client,
/// still waiting on the same connection, gets its row.
/// </summary>
public sealed partial class StandaloneProxyTests
{
    [Fact]
    public async Task A_held_statement_survives_the_silo_holding_its_approval_and_the_client_gets_the_rows_after_approval()
    {
        var first = await StartSiloAsync(HoldSleep);
        var second = await StartSiloAsync(HoldSleep);
        await Eventually.HoldsAsync(MembersAsync, m => m.Count(x => x.Status == Active) == 2, TimeSpan.FromSeconds(20));
        using var proxy = StartProxy(connectTimeout: "00:00:30");
        try
        {
            var port = await ReadListeningPortAsync(proxy);
            var marker = "held-" + Guid.NewGuid().ToString("N")[..8];
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1", Port = port, Username = "alice", Password = GatewayConfig.AlicePassword, Database = "main",
                Pooling = false, SslMode = SslMode.Disable, Timeout = 15, CommandTimeout = 0,
            }.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"SELECT '{marker}' FROM pg_sleep(0)", connection);
            var running = command.ExecuteScalarAsync();

            var request = await Eventually.HoldsAsync(() => first.Grains.GetGrain<IApprovalIndexGrain>(0).PendingAsync(),
                p => p.Any(r => r.Statements.Any(s => s.Contains(marker, StringComparison.Ordinal))), TimeSpan.FromSeconds(20));
            var id = request.Single(r => r.Statements.Any(s => s.Contains(marker, StringComparison.Ordinal))).Id;
            var host = await first.Grains.GetGrain<IManagementGrain>(0).GetActivationAddress(first.Grains.GetGrain<IApprovalGrain>(id));
            var (dying, surviving) = host == second.Address ? (second, first) : (first, second);
            await dying.StopAsync();
            await Eventually.HoldsAsync(MembersAsync, m => m.Any(x => x.Status == Dead), TimeSpan.FromSeconds(20));
            Assert.False(running.IsCompleted);

            // While the cluster settles a call may still fail; the approver tries again, as the CLI user would.
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await surviving.Grains.GetGrain<IApprovalGrain>(id).ApproveVouchedAsync(new Approver("bob", ["approvers"]), "after the restart", null);
                    break;
                }
                catch (Exception e) when (e is not ApprovalRefusedException && attempt < 20)
                {
                    await Task.Delay(500);
                }
            }

            Assert.Equal(marker, await running.WaitAsync(TimeSpan.FromSeconds(60)));
        }
        finally
        {
            Stop(proxy);
        }
    }

    private static void HoldSleep(JsonObject configuration) =>
        GatewayConfig.UsePolicy(configuration, "main", """
            { "Name": "approvals", "Rules": [
              { "Name": "hold-sleep", "Functions": ["pg_sleep"], "Action": "Hold", "ApproverGroups": ["approvers"] } ] }
            """);
}
