using OrleansGate.Grains.Catalog;
using OrleansGate.Grains.Policy;
using OrleansGate.Grains.Statements;
using OrleansGate.Proxy.Sql;
using Xunit;

namespace OrleansGate.Tests.Grains.Policy;

/// <summary>
/// The Write kind: a statement is read-only only when its command changes nothing and every
/// function it calls is proven read-only (known to be, or immutable/stable in the catalog and not
/// one that changes the server). The catalog snapshot here lists a few of PostgreSQL's functions
/// with their volatility, as the catalog grain reads them, and two user functions.
/// </summary>
public sealed class WriteKindTable
{
    private static readonly SqlParser Parser = new(cacheEntries: 0);

    private static readonly MaskingCatalog Catalog = new()
    {
        Rules = [],
        Functions =
        [
            new CatalogFunction("pg_catalog", "upper", false), new CatalogFunction("pg_catalog", "count", false),
            new CatalogFunction("pg_catalog", "now", false), new CatalogFunction("pg_catalog", "random", true),
            new CatalogFunction("pg_catalog", "nextval", true), new CatalogFunction("pg_catalog", "setval", true),
            new CatalogFunction("pg_catalog", "pg_terminate_backend", true), new CatalogFunction("pg_catalog", "pg_sleep", true),
            new CatalogFunction("pg_catalog", "quote_literal", false), new CatalogFunction("pg_catalog", "name", false),
            new CatalogFunction("pg_catalog", "txid_current", false), new CatalogFunction("pg_catalog", "lo_create", true),
            new CatalogFunction("public", "log_visit", true), new CatalogFunction("public", "price_of", false),
        ],
        UserFunctions = ["public.log_visit", "public.price_of"],
    };

    [Theory]
    // Reads.
    [InlineData("SELECT 1", false)]
    [InlineData("SELECT upper(name), count(*), now() FROM customers GROUP BY 1", false)]
    [InlineData("SELECT random(), pg_sleep(0)", false)]
    [InlineData("SELECT c.name, c.quote_literal FROM customers c", false)]
    [InlineData("SELECT price_of(1)", false)]
    [InlineData("WITH t AS (SELECT 1) SELECT * FROM t", false)]
    [InlineData("EXPLAIN SELECT * FROM customers", false)]
    [InlineData("EXPLAIN ANALYZE SELECT * FROM customers", false)]
    [InlineData("SHOW search_path", false)]
    [InlineData("SET search_path = public", false)]
    [InlineData("BEGIN READ ONLY", false)]
    [InlineData("COMMIT", false)]
    [InlineData("PREPARE p AS SELECT 1", false)]
    [InlineData("DECLARE c CURSOR FOR SELECT 1", false)]
    [InlineData("FETCH ALL FROM c", false)]
    [InlineData("CLOSE c", false)]
    [InlineData("LISTEN channel", false)]
    [InlineData("COPY customers TO STDOUT", false)]
    [InlineData("COPY (SELECT 1) TO STDOUT", false)]
    [InlineData("DISCARD ALL", false)]
    // Writes of data.
    [InlineData("INSERT INTO t VALUES (1)", true)]
    [InlineData("COPY customers FROM STDIN", true)]
    [InlineData("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", true)]
    [InlineData("SELECT * INTO t2 FROM customers", true)]
    [InlineData("SELECT * FROM customers FOR UPDATE", true)]
    [InlineData("SELECT * FROM (SELECT * FROM customers FOR SHARE) s", true)]
    [InlineData("DECLARE c CURSOR FOR SELECT * FROM customers FOR UPDATE", true)]
    [InlineData("PREPARE p AS DELETE FROM t", true)]
    [InlineData("EXPLAIN ANALYZE DELETE FROM t", true)]
    [InlineData("COPY (DELETE FROM t RETURNING *) TO STDOUT", true)]
    // Functions that change something, by name or in functional notation; unknown functions.
    [InlineData("SELECT nextval('s')", true)]
    [InlineData("SELECT setval('s', 1)", true)]
    [InlineData("SELECT log_visit(1)", true)]
    [InlineData("SELECT v.log_visit FROM visits v", true)]
    [InlineData("SELECT pg_terminate_backend(1)", true)]
    [InlineData("SELECT lo_create(0)", true)]
    [InlineData("SELECT no_such_function()", true)]
    [InlineData("SELECT public.random()", true)]
    // Schema, roles, privileges, settings, server.
    [InlineData("CREATE TABLE t (a int)", true)]
    [InlineData("CREATE ROLE r", true)]
    [InlineData("GRANT SELECT ON customers TO PUBLIC", true)]
    [InlineData("ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC", true)]
    [InlineData("ALTER ROLE r SET work_mem = '1MB'", true)]
    [InlineData("ALTER DATABASE d SET work_mem = '1MB'", true)]
    [InlineData("COMMENT ON TABLE customers IS 'x'", true)]
    [InlineData("LOAD 'auto_explain'", true)]
    [InlineData("VACUUM customers", true)]
    [InlineData("ANALYZE customers", true)]
    [InlineData("CHECKPOINT", true)]
    [InlineData("LOCK TABLE customers", true)]
    [InlineData("NOTIFY channel", true)]
    [InlineData("CALL proc()", true)]
    [InlineData("DO $$ BEGIN END $$", true)]
    [InlineData("PREPARE TRANSACTION 'x'", true)]
    [InlineData("REINDEX TABLE customers", true)]
    [InlineData("SELECT x FROM customers WHERE", true)]
    public void Write_is_anything_not_proven_read_only(string sql, bool write)
    {
        var statement = Assert.Single(Parser.Parse(sql));

        Assert.Equal(!write, PolicyEngine.IsProvenReadOnly(statement, Catalog));
        var decided = PolicyEngine.Decide(statement, new SessionSubject("alice", ["analysts"], "main"),
            new PolicyOptions { Name = "p", Rules = [new RuleOptions { Name = "read-only", Kinds = [StatementKind.Write], Action = PolicyAction.Block }] },
            Catalog);
        Assert.Equal(write ? PolicyAction.Block : PolicyAction.Allow, decided.Action);
    }

    [Fact]
    public void Without_a_catalog_no_function_is_proven_read_only()
    {
        var statement = Assert.Single(Parser.Parse("SELECT upper('x')"));

        Assert.False(PolicyEngine.IsProvenReadOnly(statement, new MaskingCatalog { Error = "the target is down" }));
        Assert.True(PolicyEngine.IsProvenReadOnly(Assert.Single(Parser.Parse("SELECT 1")), new MaskingCatalog { Error = "the target is down" }));
    }
}
