using OrleansGate.Grains.Statements;
using OrleansGate.Proxy.Sql;
using Xunit;

namespace OrleansGate.Tests.Proxy.Sql;

/// <summary>
/// Where a statement uses a column: as a value it returns or stores, or to choose, order and
/// group rows (what masking needs to tell a leak from an inference).
/// </summary>
public sealed class ColumnUseTests
{
    private static readonly SqlParser Parser = new();

    private static StatementInfo One(string sql) => Assert.Single(Parser.Parse(sql));

    [Theory]
    [InlineData("SELECT name FROM customers WHERE ssn LIKE '1%'", "name", "ssn")]
    [InlineData("SELECT name FROM customers ORDER BY ssn", "name", "ssn")]
    [InlineData("SELECT count(*) FROM customers GROUP BY ssn", "", "ssn")]
    [InlineData("SELECT count(*) FROM customers GROUP BY 1 HAVING max(ssn) > '5'", "", "ssn")]
    [InlineData("SELECT a.name FROM customers a JOIN customers b ON a.ssn = b.ssn", "a.name", "a.ssn,b.ssn")]
    [InlineData("SELECT a.name FROM customers a JOIN customers b USING (ssn)", "a.name", "ssn")]
    [InlineData("SELECT DISTINCT ON (ssn) name FROM customers", "name", "ssn")]
    [InlineData("SELECT rank() OVER (PARTITION BY ssn ORDER BY name) FROM customers", "", "name,ssn")]
    [InlineData("SELECT count(*) FILTER (WHERE ssn > '5') FROM customers", "", "ssn")]
    [InlineData("SELECT name FROM customers WHERE id IN (SELECT id FROM customers WHERE ssn = '1')", "name", "id,ssn")]
    [InlineData("SELECT name FROM customers c WHERE EXISTS (SELECT c.ssn)", "name", "c.ssn")]
    [InlineData("UPDATE customers SET name = 'x' WHERE ssn = '1'", "", "ssn")]
    [InlineData("DELETE FROM customers WHERE ssn = '1'", "", "ssn")]
    [InlineData("SELECT upper(ssn), (SELECT max(email) FROM customers) FROM customers", "email,ssn", "")]
    [InlineData("INSERT INTO t SELECT ssn FROM customers", "ssn", "")]
    [InlineData("UPDATE t SET name = c.ssn FROM customers c WHERE t.id = c.id", "c.ssn", "c.id,t.id")]
    [InlineData("UPDATE customers SET name = 'x' RETURNING ssn", "", "")]
    public void Columns_are_told_apart_by_use(string sql, string values, string predicates)
    {
        var statement = One(sql);

        Assert.Equal(Split(values), statement.ValueColumns);
        Assert.Equal(Split(predicates), statement.PredicateColumns);
    }

    [Fact]
    public void Ordering_by_position_sorts_on_the_values_it_names()
    {
        var statement = One("SELECT name, ssn FROM customers ORDER BY 2");

        Assert.Equal(["name", "ssn"], statement.PredicateColumns);
    }

    [Theory]
    [InlineData("SELECT * FROM customers", true, false)]
    [InlineData("SELECT c FROM customers c", true, false)]
    [InlineData("SELECT c.row_to_json FROM customers c", true, false)]
    [InlineData("SELECT row_to_json(c) FROM customers c", true, false)]
    [InlineData("SELECT name FROM customers c WHERE c::text LIKE '%1%'", false, true)]
    [InlineData("SELECT name FROM customers c WHERE row_to_json(c)::text LIKE '%1%'", false, true)]
    [InlineData("SELECT count(*) FROM customers NATURAL JOIN other", false, true)]
    [InlineData("SELECT name FROM customers", false, false)]
    [InlineData("INSERT INTO t VALUES (1) RETURNING *", false, false)]
    public void Whole_rows_are_told_apart_by_use(string sql, bool inValue, bool inPredicate)
    {
        var statement = One(sql);

        Assert.Equal(inValue, statement.WholeRowInValue);
        Assert.Equal(inPredicate, statement.WholeRowInPredicate);
    }

    private static string[] Split(string list) => list.Length == 0 ? [] : list.Split(',');
}
