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
        { "1+1+… 1,000,000 terms (refused by its length)", 1_000_000, false },
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
            Assert.Equal(Encoding.UTF8.GetByteCount(sql) > SqlParser.MaxInspectedBytes ? SqlParser.TooLongError : SqlParser.TooDeepError, statement.ParseError);
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
    [InlineData(8_000)] // about 420 KB: on the parse thread, under the length the gateway inspects
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

    [Theory]
    [InlineData("SELEC ")] // the grammar would reject it
    [InlineData("SELECT 1 ")] // -+-+…: libpg_query's scanner takes minutes on such a run (the attack of 2026-12-08)
    public void A_statement_longer_than_the_gateway_inspects_is_too_complex_at_once(string start)
    {
        var sql = start + (start == "SELEC " ? new string('x', SqlParser.MaxInspectedBytes) : string.Concat(Enumerable.Repeat("-+", SqlParser.MaxInspectedBytes / 2)) + "1");
        var started = System.Diagnostics.Stopwatch.GetTimestamp();

        var statement = Assert.Single(Parser.Parse(sql));

        Assert.True(statement.TooComplex);
        Assert.Equal(SqlParser.TooLongError, statement.ParseError);
        Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(1));
    }
}
