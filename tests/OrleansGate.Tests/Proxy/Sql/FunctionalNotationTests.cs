using OrleansGate.Proxy.Sql;
using Xunit;

namespace OrleansGate.Tests.Proxy.Sql;

/// <summary>
/// (x).f and t.f call f(x) when x has no field f: every such name is a possible call, listed
/// where the rules on function names look (<c>FunctionalNotation</c>; <c>(x).f</c> in
/// <c>Functions</c> too).
/// </summary>
public sealed class FunctionalNotationTests
{
    private static readonly SqlParser Parser = new();

    [Theory]
    [InlineData("select (0::oid).lo_create", "lo_create")]
    [InlineData("select (16575::oid).lo_unlink", "lo_unlink")]
    [InlineData("select (12345::bigint).pg_advisory_lock", "pg_advisory_lock")]
    [InlineData("select ('test_seq'::regclass).nextval", "nextval")]
    [InlineData("select (pid).pg_terminate_backend from pg_stat_activity where pid <> pg_backend_pid()", "pg_terminate_backend")]
    [InlineData("select (s).pg_stat_get_backend_activity from pg_stat_get_backend_idset() s", "pg_stat_get_backend_activity")]
    [InlineData("select (q).ts_stat from (select $$select to_tsvector(ssn) from customers$$::text q) s", "ts_stat")]
    [InlineData("select (x).a.lo_create from t", "lo_create")]
    [InlineData("select ((x).a).lo_create from t", "lo_create")]
    [InlineData("select (x).pg_catalog.lo_create from t", "lo_create")]
    [InlineData("select 1 from t where (t.oid).lo_unlink = 1", "lo_unlink")]
    public void A_field_selected_from_a_value_is_a_possible_call(string sql, string function)
    {
        var statement = Assert.Single(Parser.Parse(sql));

        Assert.Contains(function, statement.Functions);
        Assert.Contains(function, statement.FunctionalNotation);
    }

    [Theory]
    [InlineData("select s.pg_terminate_backend from pg_backend_pid() s", "pg_terminate_backend")]
    [InlineData("select c.name from customers c", "name")]
    [InlineData("select public.customers.ssn from public.customers", "ssn")]
    public void Every_name_after_the_first_of_a_qualified_column_is_a_possible_call(string sql, string name)
    {
        var statement = Assert.Single(Parser.Parse(sql));

        Assert.Contains(name, statement.FunctionalNotation);
        Assert.DoesNotContain(name, statement.Functions);
    }

    [Fact]
    public void A_name_also_called_plainly_is_judged_as_a_call()
    {
        var statement = Assert.Single(Parser.Parse("select now(), (r).now from t r"));

        Assert.Contains("now", statement.Functions);
        Assert.DoesNotContain("now", statement.FunctionalNotation);
    }

    [Theory]
    [InlineData("select (x).* from t")]
    [InlineData("select (arr)[1] from t")]
    [InlineData("select name from customers")]
    public void Stars_subscripts_and_bare_columns_name_no_call(string sql)
    {
        var statement = Assert.Single(Parser.Parse(sql));

        Assert.Empty(statement.Functions);
        Assert.Empty(statement.FunctionalNotation);
    }

    [Fact]
    public void Executes_arguments_are_classified_like_a_selects_expressions()
    {
        var statement = Assert.Single(Parser.Parse("execute p(lo_create(0)::text, (select ssn from customers limit 1), pg_notify('ch', 'x')::text)"));

        Assert.Contains("lo_create", statement.Functions);
        Assert.Contains("pg_notify", statement.Functions);
        Assert.Contains("customers", statement.RelationsRead);
        Assert.False(statement.ReadOnlyCommand);
        Assert.Equal(3, statement.ParameterValues.Count);
    }

    [Fact]
    public void Explain_execute_keeps_the_arguments_the_server_evaluates()
    {
        var statement = Assert.Single(Parser.Parse("explain analyze execute p(lo_create(0)::text)"));

        Assert.Contains("lo_create", statement.Functions);
        Assert.Single(statement.ParameterValues);
    }
}
