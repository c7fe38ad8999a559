using System.Text;
using OrleansGate.Grains.Statements;
using OrleansGate.Proxy.Sql;
using Xunit;

namespace OrleansGate.Tests.Proxy.Sql;

/// <summary>
/// Statements nested deeper than the gateway inspects are refused, never parsed into a stack
/// overflow (which no .NET code can catch: it ends the process). libpg_query's JSON output recurses
/// per tree level; <c>SELECT 1+1+…</c> with 100,000 terms overflowed an 8 MiB stack.
/// </summary>
public sealed class DeepStatementTests
{
    private static readonly SqlParser Parser = new(cacheEntries: 0);

    /// <summary>The deep statements of the tests, with whether the grammar itself refuses them (42601) rather than the depth limit (54001).</summary>
    public static TheoryData<string, int, bool> DeepStatements => new()
    {
        { "1+1+… 3,000 terms (parsed inline)", 3_000, false },
        { "1+1+… 100,000 terms", 100_000, false },
        { "1+1+… 1,000,000 terms (refused by its tokens)", 1_000_000, false },
        { "2,000 nested subqueries", 2_000, false },
        { "3,000 nested function calls", 3_000, false },
        { "1,400 nested ARRAY[]", 1_400, false },
        { "5,000 nested NOT", 5_000, false },
        { "100,000 nested parentheses", 100_000, true },
        { "20,000 nested subqueries", 20_000, true },
    };

    public static string Statement(string name, int n) => name switch
    {
        _ when name.StartsWith("1+1", StringComparison.Ordinal) => "SELECT 1" + string.Concat(Enumerable.Repeat("+1", n - 1)),
        _ when name.Contains("subqueries", StringComparison.Ordinal) => Nest("(SELECT ", n, "1", ")"),
        _ when name.Contains("function", StringComparison.Ordinal) => Nest("abs(", n, "1", ")"),
        _ when name.Contains("ARRAY", StringComparison.Ordinal) => Nest("ARRAY[", n, "1", "]"),
        _ when name.Contains("NOT", StringComparison.Ordinal) => Nest("NOT ", n, "true", string.Empty),
        _ when name.Contains("parentheses", StringComparison.Ordinal) => Nest("(", n, "1", ")"),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static string Nest(string open, int n, string middle, string close)
    {
        var text = new StringBuilder("SELECT ", 8 + (open.Length + close.Length) * n + middle.Length);
        text.Insert(text.Length, open, n).Append(middle);
        return text.Insert(text.Length, close, n).ToString();
    }

    [Theory]
    [MemberData(nameof(DeepStatements))]
    public void A_deep_statement_is_refused_without_overflowing_the_stack(string name, int n, bool grammarRefuses)
    {
        var sql = Statement(name, n);

        var statement = Assert.Single(Parser.Parse(sql));

        Assert.Equal(StatementKind.Unparseable, statement.Kind);
        Assert.Equal(!grammarRefuses, statement.TooComplex);
        if (!grammarRefuses)
        {
            Assert.Equal(SqlParser.TooDeepError, statement.ParseError);
        }
    }

    [Fact]
    public async Task The_parse_of_a_deep_statement_on_a_thread_pool_thread_leaves_the_process_alive()
    {
        // The gateway parses on pool threads (8 MiB of stack on glibc Linux); 100,000 terms used to need about 13 MiB there.
        var statement = await Task.Run(() => Assert.Single(Parser.Parse(Statement("1+1", 100_000))));

        Assert.True(statement.TooComplex);
        Assert.Equal(StatementKind.Select, Assert.Single(Parser.Parse("SELECT 1+1")).Kind);
    }

    [Fact]
    public void A_statement_over_8_KiB_is_parsed_where_it_is_only_when_the_thread_has_the_stack_for_it()
    {
        StatementInfo? statement = null;
        long room = 0;
        // 20,000 terms (40 KB) need about 2.6 MiB; a pool thread (8 MiB) would parse them itself, this one may not.
        var thread = new Thread(() => { room = ThreadStack.Room(); statement = Assert.Single(Parser.Parse(Statement("1+1", 20_000))); }, 512 * 1024);
        thread.Start();
        thread.Join();

        Assert.InRange(room, 400 * 1024, 512 * 1024);
        Assert.True(statement!.TooComplex);
    }

    [Theory]
    [InlineData(2_000)] // about 60 KiB: on the parse thread, bounded by its length
    [InlineData(60_000)] // about 1.9 MiB: on the parse thread, scanned first
    public void A_long_shallow_statement_is_still_parsed(int rows)
    {
        var sql = new StringBuilder("INSERT INTO t (id, name, at) VALUES ");
        for (var i = 0; i < rows; i++)
        {
            sql.Append(i == 0 ? string.Empty : ", ").Append($"({i}, 'name {i}', now() - interval '{i} seconds')");
        }

        var statement = Assert.Single(Parser.Parse(sql.ToString()));

        Assert.Equal(StatementKind.Insert, statement.Kind);
        Assert.False(statement.TooComplex);
        Assert.Equal(["t"], statement.RelationsWritten);
    }

    [Fact]
    public void A_long_statement_the_grammar_rejects_is_unparseable_not_too_complex()
    {
        var sql = "SELEC " + new string('x', SqlParser.DirectParseBytes + 10);

        var statement = Assert.Single(Parser.Parse(sql));

        Assert.Equal(StatementKind.Unparseable, statement.Kind);
        Assert.False(statement.TooComplex);
    }

    [Theory]
    [InlineData("SELECT 1", 2)]
    [InlineData("SELECT 1+1+1", 4)]
    [InlineData("SELECT a, b, c FROM t", 7)]
    [InlineData("INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')", 6)]
    [InlineData("SELECT (SELECT (SELECT 1))", 6)]
    [InlineData("SELECT 1; SELECT 1+1+1+1", 5)]
    [InlineData("SELECT ((((1", 6)]
    public void The_nesting_bound_counts_what_can_nest(string sql, long expected)
    {
        Assert.Equal(expected, NestingBound.Of(sql, out var error));
        Assert.Null(error);
    }
}
