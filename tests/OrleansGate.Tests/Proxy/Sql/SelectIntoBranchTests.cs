using OrleansGate.Grains.Statements;
using OrleansGate.Proxy.Sql;
using Xunit;

namespace OrleansGate.Tests.Proxy.Sql;

/// <summary>
/// SELECT … INTO in a set operation: PostgreSQL takes INTO from the leftmost branch, so the
/// statement creates and fills a table although its outermost SelectStmt has no INTO.
/// </summary>
public sealed class SelectIntoBranchTests
{
    private static readonly SqlParser Parser = new();

    [Theory]
    [InlineData("select ssn, card_number, email into t_launder from customers union all select 'x','y','z'", "t_launder")]
    [InlineData("select 1 as a into t union select 2", "t")]
    [InlineData("select 1 as a into temp t union select 2", "t")]
    [InlineData("select 1 as a into unlogged t union select 2 union select 3", "t")]
    [InlineData("(select 1 as a into t) union (select 2)", "t")]
    [InlineData("with w as (select ssn from customers) select ssn into t from w union select 'x'", "t")]
    [InlineData("select 1 as a into t intersect select 1 except select 2", "t")]
    public void Into_in_the_leftmost_branch_creates_a_table(string sql, string table)
    {
        var statement = Assert.Single(Parser.Parse(sql));

        Assert.True(statement.CreatesTableFromQuery);
        Assert.False(statement.ReadOnlyCommand);
        Assert.Contains(StatementKind.Ddl, statement.Kinds);
        Assert.Equal([table], statement.RelationsWritten);
    }

    [Fact]
    public void Explain_analyze_of_it_creates_the_table_too()
    {
        var statement = Assert.Single(Parser.Parse("explain analyze select 1 as a into t union select 2"));

        Assert.True(statement.CreatesTableFromQuery);
        Assert.False(statement.ReadOnlyCommand);
        Assert.Contains(StatementKind.Ddl, statement.Kinds);
    }

    [Theory]
    [InlineData("select 1 as a union select 2")]
    [InlineData("(select name from customers) union all (select email from customers)")]
    public void A_set_operation_without_into_stays_a_read(string sql)
    {
        var statement = Assert.Single(Parser.Parse(sql));

        Assert.False(statement.CreatesTableFromQuery);
        Assert.True(statement.ReadOnlyCommand);
        Assert.Empty(statement.RelationsWritten);
    }
}
