using OrleansGate.Grains.Statements;
using OrleansGate.Proxy.Sql;
using Xunit;

namespace OrleansGate.Tests.Proxy.Sql;

/// <summary>What the parser reports about a statement besides its kind.</summary>
public sealed class StatementDetailsTests
{
    private static readonly SqlParser Parser = new();

    private static StatementInfo One(string sql) => Assert.Single(Parser.Parse(sql));

    [Fact]
    public void A_batch_is_split_by_the_grammar_not_by_semicolons()
    {
        var statements = Parser.Parse("SELECT ';'; /* ; */ DELETE FROM t; SELECT $$a;b$$ ;");

        Assert.Equal([StatementKind.Select, StatementKind.Delete, StatementKind.Select], statements.Select(s => s.Kind));
        Assert.Equal("SELECT ';'", statements[0].Sql);
        Assert.Equal("/* ; */ DELETE FROM t", statements[1].Sql);
        Assert.Equal("SELECT $$a;b$$", statements[2].Sql);
    }

    [Fact]
    public void Statement_offsets_are_right_after_multibyte_characters()
    {
        var statements = Parser.Parse("SELECT 'ünïcødé ✓'; SELECT 2");

        Assert.Equal(["SELECT 'ünïcødé ✓'", "SELECT 2"], statements.Select(s => s.Sql));
    }

    [Fact]
    public void One_bad_statement_makes_the_whole_batch_unparseable()
    {
        var statements = Parser.Parse("SELECT 1; SELEC 2; SELECT 3");

        var statement = Assert.Single(statements);
        Assert.Equal(StatementKind.Unparseable, statement.Kind);
        Assert.Contains("syntax error", statement.ParseError, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_query_has_no_statements() => Assert.Empty(Parser.Parse("  -- nothing\n"));

    [Fact]
    public void Relations_are_split_into_read_and_written_and_keep_their_schema()
    {
        var statement = One("INSERT INTO audit.log SELECT c.id FROM public.customers c JOIN orders o ON o.cid = c.id");

        Assert.Equal(["audit.log"], statement.RelationsWritten);
        Assert.Equal(["orders", "public.customers"], statement.RelationsRead);
        Assert.Equal([StatementKind.Insert, StatementKind.Select], statement.Kinds);
    }

    [Theory]
    [InlineData("SELECT pg_read_file('/etc/passwd')")]
    [InlineData("SELECT * FROM pg_catalog.pg_read_file('/etc/passwd')")]
    [InlineData("WITH x AS (SELECT pg_read_file('/etc/passwd')) SELECT * FROM x")]
    [InlineData("SELECT (SELECT (SELECT pg_read_file('/etc/passwd')))")]
    [InlineData("SELECT 1 FROM t WHERE EXISTS (SELECT pg_read_file('/etc/passwd'))")]
    [InlineData("CREATE TABLE t (a text DEFAULT pg_read_file('/etc/passwd'))")]
    [InlineData("SELECT CASE WHEN true THEN PG_READ_FILE('/etc/passwd') END")]
    [InlineData("SELECT * FROM t, LATERAL pg_read_file(t.path) f")]
    public void Functions_are_found_wherever_they_are_called(string sql)
    {
        var statement = One(sql);

        Assert.Contains(statement.Functions, f => f is "pg_read_file" or "pg_catalog.pg_read_file");
    }

    [Fact]
    public void A_data_modifying_cte_is_flagged_and_its_kind_listed()
    {
        var statement = One("WITH gone AS (DELETE FROM customers RETURNING *) SELECT count(*) FROM gone");

        Assert.Equal(StatementKind.Select, statement.Kind);
        Assert.True(statement.HasDataModifyingCte);
        Assert.Contains(StatementKind.Delete, statement.Kinds);
        Assert.Contains("customers", statement.RelationsWritten);
    }

    [Theory]
    [InlineData("CREATE TABLE copy_of AS SELECT * FROM customers")]
    [InlineData("SELECT * INTO copy_of FROM customers")]
    [InlineData("CREATE MATERIALIZED VIEW copy_of AS SELECT * FROM customers")]
    public void A_table_made_from_a_query_is_flagged_and_counts_as_ddl(string sql)
    {
        var statement = One(sql);

        Assert.True(statement.CreatesTableFromQuery);
        Assert.Contains(StatementKind.Ddl, statement.Kinds);
        Assert.Contains(StatementKind.Select, statement.Kinds);
        Assert.Contains("copy_of", statement.RelationsWritten);
        Assert.Contains("customers", statement.RelationsRead);
    }

    [Theory]
    [InlineData("COPY t TO STDOUT", CopyEndpoint.Client)]
    [InlineData("COPY t FROM STDIN", CopyEndpoint.Client)]
    [InlineData("COPY t TO '/tmp/x'", CopyEndpoint.ServerFile)]
    [InlineData("COPY t FROM '/tmp/x'", CopyEndpoint.ServerFile)]
    [InlineData("COPY t TO PROGRAM 'sh'", CopyEndpoint.Program)]
    [InlineData("COPY t FROM PROGRAM 'sh'", CopyEndpoint.Program)]
    [InlineData("SELECT 1", CopyEndpoint.None)]
    public void Copy_says_where_the_data_goes(string sql, CopyEndpoint expected) => Assert.Equal(expected, One(sql).Copy);

    [Fact]
    public void Copy_from_writes_its_table_and_copy_to_reads_it()
    {
        Assert.Equal(["t"], One("COPY t FROM STDIN").RelationsWritten);
        Assert.Equal(["t"], One("COPY t TO STDOUT").RelationsRead);
    }

    [Theory]
    [InlineData("SET ROLE postgres", "role", "postgres")]
    [InlineData("SET SESSION AUTHORIZATION postgres", "session_authorization", "postgres")]
    [InlineData("RESET ROLE", "role", null)]
    [InlineData("set search_path to x", "search_path", "x")]
    [InlineData("SELECT set_config('role', 'postgres', false)", "role", "postgres")]
    [InlineData("SELECT set_config('ROLE', 'postgres', false)", "role", "postgres")]
    [InlineData("SELECT set_config(current_setting('x'), 'postgres', false)", StatementInfo.UnknownSetting, "postgres")]
    public void Settings_name_what_they_change(string sql, string setting, string? value)
    {
        var statement = One(sql);

        Assert.Equal(setting, statement.Setting);
        Assert.Equal(value, statement.SettingValue);
    }

    [Fact]
    public void Columns_are_listed_as_written()
    {
        var statement = One("SELECT c.ssn, upper(email) AS e FROM customers c WHERE id = $1");

        Assert.Equal(["c.ssn", "email", "id"], statement.Columns);
    }

    [Fact]
    public void Statements_that_differ_only_in_constants_share_a_fingerprint()
    {
        var a = One("SELECT * FROM t WHERE id = 1");
        var b = One("select *   from t where id = 42");
        var c = One("SELECT * FROM u WHERE id = 1");

        Assert.NotEmpty(a.Fingerprint);
        Assert.Equal(a.Fingerprint, b.Fingerprint);
        Assert.NotEqual(a.Fingerprint, c.Fingerprint);
    }

    [Fact]
    public void Prepare_and_declare_carry_their_statement_kind_and_name()
    {
        var prepare = One("PREPARE wipe AS DELETE FROM t");
        var declare = One("DECLARE c CURSOR FOR SELECT * FROM customers");

        Assert.Equal([StatementKind.Prepare, StatementKind.Delete], prepare.Kinds);
        Assert.Equal("wipe", prepare.ObjectName);
        Assert.Equal([StatementKind.Declare, StatementKind.Select], declare.Kinds);
        Assert.Equal("c", declare.ObjectName);
    }

    [Fact]
    public void Explain_analyze_counts_as_the_statement_it_runs_and_plain_explain_does_not()
    {
        Assert.Equal([StatementKind.Delete, StatementKind.Explain], One("EXPLAIN ANALYZE DELETE FROM t").Kinds);
        Assert.Equal([StatementKind.Explain], One("EXPLAIN DELETE FROM t").Kinds);
    }

    [Fact]
    public void Very_deep_nesting_is_refused_not_crashed_on()
    {
        var sql = string.Concat(Enumerable.Repeat("SELECT (", 2_000)) + "1" + string.Concat(Enumerable.Repeat(")", 2_000));

        var statement = One(sql);

        Assert.Equal(StatementKind.Unparseable, statement.Kind);
    }

    [Fact]
    public void Nested_subqueries_past_json_default_depth_are_still_inspected()
    {
        var sql = string.Concat(Enumerable.Repeat("SELECT * FROM (", 20)) + "SELECT pg_read_file('x')" + string.Concat(Enumerable.Repeat(") s", 20));

        var statement = One(sql);

        Assert.Equal(StatementKind.Select, statement.Kind);
        Assert.Contains("pg_read_file", statement.Functions);
    }

    [Fact]
    public void Create_table_as_execute_carries_the_execute_kind() =>
        Assert.Contains(StatementKind.Execute, One("CREATE TABLE copy AS EXECUTE wipe").Kinds);

    [Fact]
    public void Pg_notify_and_set_config_count_as_notify_and_set()
    {
        Assert.Contains(StatementKind.Notify, One("SELECT pg_notify('ch', 'x')").Kinds);
        Assert.Contains(StatementKind.Set, One("SELECT set_config('search_path', 'x', false)").Kinds);
    }

    [Fact]
    public void A_nul_character_is_refused() => Assert.Equal(StatementKind.Unparseable, One("SELECT 1\0; DROP TABLE t").Kind);

    [Fact]
    public void The_cache_returns_the_same_answer_as_a_fresh_parse()
    {
        var first = Parser.Parse("SELECT name FROM customers WHERE id = 7");
        var second = Parser.Parse("SELECT name FROM customers WHERE id = 7");

        Assert.Same(first, second);
        Assert.Equal(new SqlParser(cacheEntries: 0).Parse("SELECT name FROM customers WHERE id = 7")[0], second[0], StatementInfoComparer.Instance);
    }
}
