using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Cluster;

/// <summary>
/// Two silos form one cluster through the project's own schema: if a query key, a parameter
/// name or a result column did not match what Orleans' ADO.NET providers expect, they would not
/// join, or state written on one would not be read on the other.
/// </summary>
public sealed class TwoSiloClusterTests(PostgresFixture postgres) : ClusterTestBase(postgres)
{
    [Fact]
    public async Task Two_silos_register_as_active_and_state_written_on_one_is_read_by_the_other_after_it_stops()
    {
        var first = await StartSiloAsync();
        var second = await StartSiloAsync();

        var members = await Eventually.HoldsAsync(MembersAsync, m => m.Count(x => x.Status == Active) == 2, TimeSpan.FromSeconds(20));
        Assert.Equal(
            new[] { first.Address.Endpoint.Port, second.Address.Endpoint.Port }.Order(),
            members.Where(m => m.Status == Active).Select(m => m.Port).Order());

        // Written through the ADO.NET grain storage by an activation on the first silo.
        var counter = first.Grains.GetGrain<IPersistentCounterGrain>("approvals-probe");
        Assert.Equal(first.Address.ToParsableString(), await counter.SiloAsync());
        for (var i = 1; i <= 3; i++)
        {
            Assert.Equal(i, await counter.IncrementAsync());
        }

        Assert.Equal(3, await StoredVersionAsync());

        await first.StopAsync();
        members = await Eventually.HoldsAsync(MembersAsync, m => m.Any(x => x.Port == first.Address.Endpoint.Port && x.Status == Dead),
            TimeSpan.FromSeconds(20));
        Assert.Contains((first.Address.Endpoint.Port, Dead), members);

        // A new activation on the second silo finds the state in the database, not in memory.
        var again = second.Grains.GetGrain<IPersistentCounterGrain>("approvals-probe");
        Assert.Equal(second.Address.ToParsableString(), await again.SiloAsync());
        Assert.Equal(3, await again.GetAsync());
        Assert.Equal(4, await again.IncrementAsync());
        Assert.Equal(4, await StoredVersionAsync());
        Assert.Empty(second.Log.Errors);
    }

    [Fact]
    public async Task The_schema_can_be_applied_again_over_itself()
    {
        var silo = await StartSiloAsync();
        await silo.StopAsync();

        // A second silo start over the same database re-applies every file (new release, restart).
        var again = await StartSiloAsync();
        var members = await Eventually.HoldsAsync(MembersAsync, m => m.Any(x => x.Status == Active), TimeSpan.FromSeconds(20));
        Assert.Contains((again.Address.Endpoint.Port, Active), members);

        await using var connection = new NpgsqlConnection(ClusterConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT QueryKey FROM OrleansQuery", connection);
        var keys = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                keys.Add(reader.GetString(0));
            }
        }

        // Exactly the keys the 10.4.2 providers require, once each (the upsert replaced, not added).
        Assert.Equal(ProviderQueryKeys.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
    }

    private static readonly string[] ProviderQueryKeys =
    [
        "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey",
        "InsertMembershipKey", "InsertMembershipVersionKey", "MembershipReadAllKey", "MembershipReadRowKey",
        "UpdateIAmAlivetimeKey", "UpdateMembershipKey", "ClearStorageKey", "ReadFromStorageKey", "WriteToStorageKey",
    ];

    private async Task<int?> StoredVersionAsync()
    {
        await using var connection = new NpgsqlConnection(ClusterConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT version FROM og_grain_state WHERE grain_id_string LIKE '%approvals-probe' AND payload IS NOT NULL", connection);
        return (int?)await command.ExecuteScalarAsync();
    }
}
