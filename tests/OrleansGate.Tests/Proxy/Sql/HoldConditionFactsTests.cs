using OrleansGate.Grains.Statements;
using OrleansGate.Proxy.Sql;
using Xunit;

namespace OrleansGate.Tests.Proxy.Sql;

/// <summary>The parser facts the hold conditions use: a top-level LIMIT, an UPDATE/DELETE without WHERE.</summary>
public sealed class HoldConditionFactsTests
{
    private static readonly SqlParser Parser = new();

    private static StatementInfo One(string sql) => Assert.Single(Parser.Parse(sql));

    [Theory]
    [InlineData("SELECT * FROM t LIMIT 10", true)]
    [InlineData("SELECT * FROM t OFFSET 5 LIMIT $1", true)]
    [InlineData("SELECT * FROM t FETCH FIRST 3 ROWS ONLY", true)]
    [InlineData("SELECT * FROM t LIMIT ALL", false)]
    [InlineData("SELECT * FROM t LIMIT NULL", false)]
    [InlineData("SELECT * FROM t OFFSET 5", false)]
    [InlineData("SELECT * FROM (SELECT * FROM t LIMIT 1) s", false)]
    [InlineData("WITH a AS (SELECT * FROM t LIMIT 1) SELECT * FROM a", false)]
    [InlineData("SELECT 1 FROM t UNION SELECT 2 FROM u LIMIT 5", true)]
    [InlineData("DELETE FROM t WHERE id IN (SELECT id FROM t LIMIT 1)", false)]
    public void A_limit_counts_only_on_the_outermost_select(string sql, bool hasLimit) =>
        Assert.Equal(hasLimit, One(sql).HasLimit);

    [Theory]
    [InlineData("UPDATE t SET a = 1", true)]
    [InlineData("DELETE FROM t", true)]
    [InlineData("/* WHERE */ DELETE FROM t", true)]
    [InlineData("DELETE FROM t USING u", true)]
    [InlineData("UPDATE t SET a = 1 WHERE id = 2", false)]
    [InlineData("DELETE FROM t WHERE true", false)]
    [InlineData("DELETE FROM t WHERE CURRENT OF c", false)]
    [InlineData("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", true)]
    [InlineData("WITH d AS (UPDATE t SET a = 1 WHERE id = 1 RETURNING *) SELECT * FROM d", false)]
    [InlineData("INSERT INTO t SELECT * FROM u", false)]
    [InlineData("SELECT * FROM t", false)]
    [InlineData("PREPARE p AS DELETE FROM t", false)]
    public void An_update_or_delete_without_where_is_unbounded(string sql, bool unbounded) =>
        Assert.Equal(unbounded, One(sql).UnboundedWrite);
}
