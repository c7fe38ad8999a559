using OrleansGate.Grains.Masking;
using System.Text.Json.Nodes;
using OrleansGate.Grains.Catalog;
using OrleansGate.Grains.Policy;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Grains.Catalog;

/// <summary>
/// What the catalog grain finds masked on a target whose schema does not change during the class:
/// tables, quoted names, views (aliases, expressions, views over views), a materialized view,
/// partitions at other attribute numbers, user functions.
/// </summary>
public sealed class CatalogResolutionTests(PostgresFixture postgres) : CatalogTestBase(postgres)
{
    private const int SsnRule = 0;
    private const int EmailRule = 1;
    private const int CustomerCardRule = 2;
    private const int PaymentCardRule = 3;

    protected override string SetUpDatabaseSql => """
        CREATE SCHEMA hr;
        CREATE TABLE hr.people (id int PRIMARY KEY, name text, ssn text, email text);
        INSERT INTO hr.people VALUES (1, 'Ann', '123-45-6789', 'ann@example.com');
        CREATE VIEW hr.people_alias AS SELECT id, ssn AS tax_id, name FROM hr.people;
        CREATE VIEW hr.people_lower AS SELECT id, lower(ssn) AS ssn_lower FROM hr.people;
        CREATE VIEW hr.people_alias_again AS SELECT tax_id AS t, id FROM hr.people_alias;
        CREATE VIEW hr.people_lower_again AS SELECT 'x' || ssn_lower AS again FROM hr.people_lower;
        CREATE VIEW hr.both_masks AS SELECT ssn || email AS both FROM hr.people;
        CREATE VIEW hr.no_secrets AS SELECT id, name FROM hr.people;
        CREATE VIEW hr.people_rows AS SELECT id, p AS whole, row_to_json(p) AS json FROM hr.people p;
        CREATE MATERIALIZED VIEW hr.people_snapshot AS SELECT id, ssn FROM hr.people;

        CREATE SCHEMA "Sales";
        CREATE TABLE "Sales"."Customers" ("Id" int, card text);

        CREATE TABLE hr.payments (id int, paid date, card text) PARTITION BY RANGE (paid);
        CREATE TABLE hr.payments_2024 PARTITION OF hr.payments FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        -- Attached with its own column order: the card is attribute 1 here, 3 in the parent.
        CREATE TABLE hr.payments_2025 (card text, id int, paid date);
        ALTER TABLE hr.payments ATTACH PARTITION hr.payments_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
        CREATE TABLE hr.payments_2026 PARTITION OF hr.payments FOR VALUES FROM ('2026-01-01') TO ('2027-01-01') PARTITION BY LIST (id);
        CREATE TABLE hr.payments_2026_rest PARTITION OF hr.payments_2026 DEFAULT;

        CREATE FUNCTION hr.reveal(p int) RETURNS text LANGUAGE sql AS $$ SELECT ssn FROM hr.people WHERE id = p $$;
        """;

    protected override void Configure(JsonObject configuration)
    {
        GatewayConfig.UseMaskingKey(configuration);
        GatewayConfig.UsePolicy(configuration, "main", """
            { "Name": "masks", "Masks": [
              { "Column": "hr.people.ssn", "Strategy": "Partial", "KeepLast": 4 },
              { "Column": "hr.people.email", "Strategy": "Email" },
              { "Column": "\"Sales\".\"Customers\".card" },
              { "Column": "hr.payments.card", "Strategy": "Hash" } ] }
            """);
    }

    [Fact]
    public async Task A_masked_table_column_resolves_to_its_oid_and_attribute_number()
    {
        var catalog = await CatalogOf("main").GetAsync();

        Assert.Null(catalog.Error);
        var (oid, attnum) = await AttributeAsync("hr.people", "ssn");
        var origin = Assert.Single(catalog.Origins, o => o.TableOid == oid && o.AttributeNumber == attnum);
        Assert.Equal(new MaskedOrigin(oid, attnum, SsnRule, "hr.people.ssn", Derived: false), origin);
        Assert.Equal(MaskStrategy.Partial, catalog.RuleFor(origin).Strategy);
        Assert.Equal(4 + BuiltInMasks.Rules.Count, catalog.Rules.Count);
    }

    [Fact]
    public async Task A_quoted_mixed_case_schema_and_table_resolve()
    {
        var catalog = await CatalogOf("main").GetAsync();

        var origin = await OriginAsync(catalog, "\"Sales\".\"Customers\"", "card");
        Assert.Equal(CustomerCardRule, origin?.Rule);
        Assert.Equal("Sales.Customers.card", origin?.Name);
    }

    [Fact]
    public async Task A_view_column_selecting_the_masked_column_under_an_alias_is_masked_and_its_other_columns_are_not()
    {
        var catalog = await CatalogOf("main").GetAsync();

        var alias = await OriginAsync(catalog, "hr.people_alias", "tax_id");
        Assert.Equal(new MaskedOrigin(alias!.TableOid, alias.AttributeNumber, SsnRule, "hr.people_alias.tax_id", Derived: true), alias);
        Assert.Null(await OriginAsync(catalog, "hr.people_alias", "id"));
        Assert.Null(await OriginAsync(catalog, "hr.people_alias", "name"));
        Assert.Null(await OriginAsync(catalog, "hr.no_secrets", "name"));
        Assert.DoesNotContain(catalog.Relations, r => r.Name == "no_secrets");
    }

    [Fact]
    public async Task A_view_column_computed_from_the_masked_column_is_redacted_whole()
    {
        var catalog = await CatalogOf("main").GetAsync();

        // A partial rule keeps parts of the value it is given: on an expression's value it would
        // keep whatever the expression put there, so a computed column is redacted whole.
        var lower = await OriginAsync(catalog, "hr.people_lower", "ssn_lower");
        Assert.Equal(MaskedOrigin.DerivedRule, lower?.Rule);
        Assert.True(lower?.Derived);
        Assert.Null(await OriginAsync(catalog, "hr.people_lower", "id"));
    }

    [Fact]
    public async Task A_view_column_computed_from_masked_columns_of_two_rules_gets_the_derived_rule()
    {
        var catalog = await CatalogOf("main").GetAsync();

        var both = await OriginAsync(catalog, "hr.both_masks", "both");
        Assert.Equal(MaskedOrigin.DerivedRule, both?.Rule);
        Assert.Same(MaskRule.Derived, catalog.RuleFor(both!));
    }

    [Fact]
    public async Task A_view_column_holding_whole_rows_of_a_masked_table_is_masked()
    {
        var catalog = await CatalogOf("main").GetAsync();

        Assert.Equal(MaskedOrigin.DerivedRule, (await OriginAsync(catalog, "hr.people_rows", "whole"))?.Rule);
        Assert.Equal(MaskedOrigin.DerivedRule, (await OriginAsync(catalog, "hr.people_rows", "json"))?.Rule);
        Assert.Null(await OriginAsync(catalog, "hr.people_rows", "id"));
        Assert.Null(await OriginAsync(catalog, "hr.no_secrets", "id"));
    }

    [Fact]
    public async Task Views_over_views_are_masked_at_every_depth()
    {
        var catalog = await CatalogOf("main").GetAsync();

        Assert.Equal(SsnRule, (await OriginAsync(catalog, "hr.people_alias_again", "t"))?.Rule);
        Assert.Null(await OriginAsync(catalog, "hr.people_alias_again", "id"));
        Assert.Equal(MaskedOrigin.DerivedRule, (await OriginAsync(catalog, "hr.people_lower_again", "again"))?.Rule);
    }

    [Fact]
    public async Task A_materialized_view_of_the_masked_column_is_masked()
    {
        var catalog = await CatalogOf("main").GetAsync();

        var origin = await OriginAsync(catalog, "hr.people_snapshot", "ssn");
        Assert.Equal(SsnRule, origin?.Rule);
        Assert.True(origin?.Derived);
        var relation = Assert.Single(catalog.Relations, r => r.Name == "people_snapshot");
        Assert.Equal('m', relation.Kind);
        Assert.Equal(["id", "ssn"], relation.Columns);
    }

    [Fact]
    public async Task Every_partition_of_a_partitioned_table_holds_the_masked_column_too()
    {
        var catalog = await CatalogOf("main").GetAsync();

        foreach (var relation in new[] { "hr.payments", "hr.payments_2024", "hr.payments_2025", "hr.payments_2026", "hr.payments_2026_rest" })
        {
            var origin = await OriginAsync(catalog, relation, "card");
            Assert.True(origin is { Rule: PaymentCardRule, Derived: false }, $"{relation}.card is not masked");
            Assert.Equal($"{relation}.card", origin!.Name);
        }

        Assert.Equal(1, (await AttributeAsync("hr.payments_2025", "card")).AttributeNumber);
        Assert.Equal('p', Assert.Single(catalog.Relations, r => r.Name == "payments").Kind);
        Assert.Equal('r', Assert.Single(catalog.Relations, r => r.Name == "payments_2025").Kind);
    }

    [Fact]
    public async Task Relations_list_every_live_column_in_attribute_order()
    {
        var people = Assert.Single((await CatalogOf("main").GetAsync()).Relations, r => r.Schema == "hr" && r.Name == "people");

        Assert.Equal('r', people.Kind);
        Assert.Equal(["id", "name", "ssn", "email"], people.Columns);
        Assert.Equal([1, 2, 3, 4], people.AttributeNumbers.Select(n => (int)n));
    }

    [Fact]
    public async Task User_functions_are_listed_and_built_in_ones_are_not()
    {
        var catalog = await CatalogOf("main").GetAsync();

        Assert.Contains("hr.reveal", catalog.UserFunctions);
        Assert.DoesNotContain(catalog.UserFunctions, f => f.StartsWith("pg_catalog.", StringComparison.Ordinal)
                                                      || f.StartsWith("information_schema.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Concurrent_first_calls_share_one_read()
    {
        var grain = CatalogOf("main");

        var catalogs = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => grain.GetAsync()));

        Assert.Single(catalogs.Select(c => c.LoadedAt).Distinct());
        Assert.Single(catalogs.Select(c => c.Version).Distinct());
    }
}
