using OrleansGate.Grains.Masking;
using System.Text.Json.Nodes;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Grains.Catalog;

/// <summary>A target whose catalog cannot be read gives a snapshot with an Error (callers fail closed), never an exception.</summary>
public sealed class CatalogUnavailableTests(PostgresFixture postgres) : CatalogTestBase(postgres)
{
    private const string WrongPassword = "wrong-3f9a1c7e55";

    protected override void Configure(JsonObject configuration)
    {
        var targets = configuration.Targets();
        var closed = GatewayConfig.Target("closed", Postgres, Database, PostgresFixture.ScramUser);
        closed["Port"] = ClosedPort();
        closed["Policy"] = "masks";
        targets.Add(closed);

        var refused = GatewayConfig.Target("refused", Postgres, Database, PostgresFixture.ScramUser);
        refused["Password"] = WrongPassword;
        refused["Policy"] = "masks";
        targets.Add(refused);

        // No policy, so nothing to mask: the catalog must not even try the closed port.
        var unmasked = GatewayConfig.Target("unmasked", Postgres, Database, PostgresFixture.ScramUser);
        unmasked["Port"] = ClosedPort();
        targets.Add(unmasked);

        GatewayConfig.UsePolicy(configuration, "main", """{ "Name": "masks", "Masks": [ { "Column": "public.people.ssn" } ] }""");
    }

    [Fact]
    public async Task An_unreachable_target_gives_an_error_without_credentials()
    {
        var catalog = await CatalogOf("closed").GetAsync();

        Assert.NotNull(catalog.Error);
        Assert.Contains("could not reach", catalog.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(Postgres.UpstreamPassword, catalog.Error, StringComparison.Ordinal);
        Assert.Empty(catalog.Origins);
        Assert.Equal(1 + BuiltInMasks.Rules.Count, catalog.Rules.Count);
        Assert.False(catalog.IsEmpty);
    }

    [Fact]
    public async Task A_refused_login_gives_an_error_that_names_neither_password_nor_user()
    {
        var catalog = await CatalogOf("refused").GetAsync();

        Assert.NotNull(catalog.Error);
        Assert.Contains("28P01", catalog.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongPassword, catalog.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(PostgresFixture.ScramUser, catalog.Error, StringComparison.Ordinal);
        Assert.Empty(catalog.Origins);
    }

    [Fact]
    public async Task A_target_whose_policy_masks_nothing_still_has_the_built_in_masks()
    {
        // Its upstream is closed like the others: the catalog is read for every target, for
        // the built-in masks (other sessions' statement text) and for what functions do.
        var catalog = await CatalogOf("unmasked").GetAsync();

        Assert.Equal(BuiltInMasks.Rules, catalog.Rules);
        Assert.Contains("could not reach", catalog.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_target_gives_an_error()
    {
        var catalog = await CatalogOf("nowhere").GetAsync();

        Assert.Contains("no target named 'nowhere'", catalog.Error, StringComparison.Ordinal);
    }
}
