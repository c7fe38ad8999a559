using OrleansGate.Grains.Catalog;
using System.Text.Json.Nodes;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Grains.Catalog;

/// <summary>
/// The catalog follows DDL: a renamed column stays masked, new views appear, the version moves
/// only on a change. Each test works on its own schema, since the class shares one database.
/// </summary>
public sealed class CatalogRefreshTests(PostgresFixture postgres) : CatalogTestBase(postgres)
{
    // The tests time the catalog grain's snapshot and its lock back-off: each needs a grain of its own.
    protected override bool SharesGatewayWithClass => false;

    protected override string SetUpDatabaseSql => """
        CREATE SCHEMA renamed; CREATE TABLE renamed.people (id int, ssn text);
        CREATE VIEW renamed.people_view AS SELECT ssn AS s FROM renamed.people;
        CREATE SCHEMA added; CREATE TABLE added.people (id int, ssn text);
        CREATE SCHEMA versioned; CREATE TABLE versioned.people (id int, ssn text);
        CREATE SCHEMA aged; CREATE TABLE aged.people (id int, ssn text);
        CREATE SCHEMA locked; CREATE TABLE locked.people (id int, ssn text);
        CREATE VIEW locked.people_view AS SELECT ssn AS s FROM locked.people;
        """;

    protected override void Configure(JsonObject configuration)
    {
        GatewayConfig.UsePolicy(configuration, "main", """
            { "Name": "masks", "Masks": [
              { "Column": "renamed.people.ssn" }, { "Column": "added.people.ssn" },
              { "Column": "versioned.people.ssn" }, { "Column": "aged.people.ssn" }, { "Column": "locked.people.ssn" } ] }
            """);
        configuration.Section("Catalog")["RefreshInterval"] = "00:00:01";
    }

    [Fact]
    public async Task A_renamed_column_stays_masked_under_its_new_name_after_a_refresh()
    {
        var grain = CatalogOf("main");
        var before = await OriginAsync(await grain.GetAsync(), "renamed.people", "ssn");
        Assert.NotNull(before);

        await ExecuteDirectAsync("ALTER TABLE renamed.people RENAME COLUMN ssn TO harmless");
        var after = await grain.RefreshAsync();

        var origin = Assert.Single(after.Origins, o => o.TableOid == before.TableOid && o.AttributeNumber == before.AttributeNumber);
        Assert.Equal("renamed.people.harmless", origin.Name);
        Assert.False(origin.Derived);
        Assert.NotNull(await OriginAsync(after, "renamed.people_view", "s"));
        Assert.Contains("harmless", Assert.Single(after.Relations, r => r.Schema == "renamed" && r.Name == "people").Columns);
    }

    [Fact]
    public async Task A_view_created_after_the_first_read_is_masked_after_a_refresh()
    {
        var grain = CatalogOf("main");
        await grain.GetAsync();

        await ExecuteDirectAsync("CREATE VIEW added.people_view AS SELECT id, upper(ssn) AS shout FROM added.people");
        var catalog = await grain.RefreshAsync();

        Assert.Equal(MaskedOrigin.DerivedRule, (await OriginAsync(catalog, "added.people_view", "shout"))?.Rule);
        Assert.Null(await OriginAsync(catalog, "added.people_view", "id"));
    }

    [Fact]
    public async Task The_version_stays_while_nothing_changes_and_increases_after_a_change()
    {
        var grain = CatalogOf("main");
        var first = await grain.GetAsync();

        var unchanged = await grain.RefreshAsync();
        Assert.Equal(first.Version, unchanged.Version);
        Assert.True(unchanged.LoadedAt >= first.LoadedAt);

        await ExecuteDirectAsync("ALTER TABLE versioned.people ADD COLUMN note text");
        var changed = await grain.RefreshAsync();
        Assert.True(changed.Version > first.Version, $"version {changed.Version} after the change, {first.Version} before");
        Assert.Contains("note", Assert.Single(changed.Relations, r => r.Schema == "versioned").Columns);
    }

    [Fact]
    public async Task A_snapshot_older_than_the_refresh_interval_is_read_again()
    {
        var grain = CatalogOf("main");
        var first = await grain.GetAsync();

        await ExecuteDirectAsync("CREATE VIEW aged.people_view AS SELECT ssn FROM aged.people");
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var later = await grain.GetAsync();

        Assert.True(later.LoadedAt > first.LoadedAt);
        Assert.NotNull(await OriginAsync(later, "aged.people_view", "ssn"));
    }

    [Fact]
    public async Task A_lock_held_by_uncommitted_ddl_does_not_stall_the_catalog_or_unmask_anything()
    {
        var grain = CatalogOf("main");
        var before = await grain.GetAsync();
        await using var ddl = await OpenDirectAsync();
        await using (var begin = new Npgsql.NpgsqlCommand("BEGIN; LOCK TABLE locked.people IN ACCESS EXCLUSIVE MODE", ddl))
        {
            await begin.ExecuteNonQueryAsync();
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var during = await grain.RefreshAsync();
        watch.Stop();

        // It waited for the lock (the catalog's lock_timeout is 2 s), then kept the last snapshot.
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(10));
        Assert.Null(during.Error);
        Assert.Equal(before.Version, during.Version);
        Assert.NotNull(await OriginAsync(during, "locked.people_view", "s"));
    }
}
