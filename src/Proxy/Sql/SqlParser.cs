using System.Buffers;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using OrleansGate.Grains.Statements;

namespace OrleansGate.Proxy.Sql;

/// <summary>
/// Splits a Query message's text into statements and classifies each with PostgreSQL's own
/// grammar (libpg_query). Text the grammar rejects comes back as one
/// <see cref="StatementKind.Unparseable"/> statement covering the whole text, so a batch that
/// cannot be understood is refused as a whole (fail closed).
/// </summary>
public sealed class SqlParser
{
    /// <summary>
    /// Deepest parse tree the gateway inspects. A query with one subquery and a CASE already reaches
    /// depth 30 in libpg_query's JSON; generated SQL goes far deeper. Past this it is refused.
    /// </summary>
    internal const int MaxTreeDepth = 1_000;

    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = MaxTreeDepth + 16 };

    private readonly ParsedBatchCache _cache;

    public SqlParser(int cacheEntries = 4_096) => _cache = new ParsedBatchCache(cacheEntries);

    /// <summary>Loads libpg_query now, so a missing library stops start-up rather than the first query.</summary>
    public static void EnsureAvailable() => PgQueryNative.EnsureLoaded();

    public IReadOnlyList<StatementInfo> Parse(string sql)
    {
        if (_cache.TryGet(sql, out var cached))
        {
            return cached;
        }

        var parsed = ParseUncached(sql);
        _cache.Add(sql, parsed);
        return parsed;
    }

    private static IReadOnlyList<StatementInfo> ParseUncached(string sql)
    {
        // The library reads a NUL-terminated string: text after a NUL would never be seen.
        if (sql.Contains('\0', StringComparison.Ordinal))
        {
            return [Unparseable(sql, "statement text contains a NUL character")];
        }

        // libpg_query's JSON output recurses once or twice per tree level and never checks the
        // stack; a stack overflow ends the process. A statement is parsed where it is when its
        // length bounds its stack within what this thread has (always, up to 8 KiB); else on a
        // thread of its own with a stack twice what its length allows at most; a statement too
        // long for that stack is not parsed at all (docs/policies.md#statements-too-deep-to-inspect).
        var byteCount = Encoding.UTF8.GetByteCount(sql);
        if (byteCount > MaxInspectedBytes)
        {
            return [TooDeep(sql, TooLongError)];
        }

        return byteCount <= InlineParseBytes || FitsHere(byteCount)
            ? ParseText(sql, byteCount)
            : OnParseThread(sql, byteCount);
    }

    private static bool FitsHere(int byteCount) =>
        (long)byteCount * StackBytesPerSqlByte + InlineStackReserve <= ThreadStack.Room();

    /// <summary>Stack left for what runs around the parse when it runs on the caller's thread.</summary>
    internal const int InlineStackReserve = 512 * 1024;

    /// <summary>
    /// Statements up to this many UTF-8 bytes are parsed on the caller's thread whatever its stack: at
    /// <see cref="StackBytesPerSqlByte"/> they need at most 1 MiB of stack, within the 1.5 MiB of
    /// the smallest default .NET thread stack (glibc Linux threads get 8 MiB).
    /// </summary>
    internal const int InlineParseBytes = 8 * 1024;

    /// <summary>
    /// The most native stack one byte of SQL can need while libpg_query writes its tree out:
    /// measured at most 66 (<c>1+1+…</c>, <c>@ @ … x</c>, <c>x[x[…]]</c>: about 130 bytes per tree
    /// level, two bytes of SQL per level), doubled.
    /// </summary>
    internal const int StackBytesPerSqlByte = 128;

    /// <summary>The stack of the thread that parses longer statements (reserved; only what a parse touches is committed).</summary>
    internal const int ParseThreadStackBytes = 128 * 1024 * 1024;

    /// <summary>
    /// The longest statement text the gateway inspects (512 KiB: its stack at most 64 MiB, half
    /// the parse thread's); a longer one is refused as too complex. Past it neither the stack nor
    /// the rest is bounded well enough: parsing costs about 360
    /// times the text in memory (libpg_query's JSON tree, then its reading), and libpg_query's
    /// scanner, the only way to bound a longer text's depth before parsing, takes time that grows
    /// with the square of a run of operator characters (<c>-+-+…</c>: minutes at 540 KB).
    /// </summary>
    internal const int MaxInspectedBytes = ParseThreadStackBytes / 2 / StackBytesPerSqlByte;

    /// <summary>The ParseError of a statement refused for its length (SQLSTATE 54001, as too complex to inspect).</summary>
    internal const string TooLongError = "statement is longer than the 512 KiB the gateway inspects";

    /// <summary>The ParseError of a statement refused for its depth (SQLSTATE 54001, as PostgreSQL says it).</summary>
    internal const string TooDeepError = "statement is nested too deeply to inspect";

    private static IReadOnlyList<StatementInfo> OnParseThread(string sql, int byteCount)
    {
        IReadOnlyList<StatementInfo>? parsed = null;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    parsed = ParseText(sql, byteCount);
                }
                catch (Exception e)
                {
                    failure = ExceptionDispatchInfo.Capture(e);
                }
            },
            ParseThreadStackBytes)
        {
            IsBackground = true,
            Name = "OrleansGate SQL parse",
        };

        try
        {
            thread.Start();
        }
        catch (OutOfMemoryException)
        {
            // No room for the stack: what the gateway cannot parse safely, it refuses.
            return [TooDeep(sql, "the gateway could not reserve a stack to parse the statement")];
        }

        thread.Join();
        failure?.Throw();
        return parsed!;
    }

    private static unsafe IReadOnlyList<StatementInfo> ParseText(string sql, int byteCount)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(byteCount + 1);
        try
        {
            Encoding.UTF8.GetBytes(sql, buffer);
            buffer[byteCount] = 0;

            fixed (byte* input = buffer)
            {
                var result = PgQueryNative.Parse(input);
                try
                {
                    if (result.Error != null)
                    {
                        return [Unparseable(sql, ErrorText(result.Error))];
                    }

                    var json = new ReadOnlySpan<byte>(result.ParseTree, strlen(result.ParseTree)).ToArray();
                    return Classify(json, buffer.AsSpan(0, byteCount));
                }
                finally
                {
                    PgQueryNative.FreeParseResult(result);
                }
            }
        }
        catch (Exception e) when (e is JsonException or StatementTooDeepException)
        {
            return [TooDeep(sql, TooDeepError)];
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException or FormatException)
        {
            // A tree of a shape the gateway does not expect: what it cannot read, it refuses.
            return [Unparseable(sql, "the gateway could not inspect the statement's parse tree")];
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static List<StatementInfo> Classify(byte[] json, ReadOnlySpan<byte> utf8Sql)
    {
        using var document = JsonDocument.Parse(json, JsonOptions);
        var statements = new List<StatementInfo>();
        if (!document.RootElement.TryGetProperty("stmts", out var stmts))
        {
            return statements;
        }

        foreach (var raw in stmts.EnumerateArray())
        {
            // stmt_location and stmt_len are byte offsets into the UTF-8 text; libpg_query leaves
            // them out when they are 0 (0 length meaning "to the end").
            var location = raw.TryGetProperty("stmt_location", out var l) ? l.GetInt32() : 0;
            var length = raw.TryGetProperty("stmt_len", out var n) ? n.GetInt32() : utf8Sql.Length - location;
            var slice = utf8Sql.Slice(location, length);
            var text = Encoding.UTF8.GetString(slice).Trim();
            statements.Add(StatementClassifier.Classify(raw.GetProperty("stmt"), text, Fingerprint(slice)));
        }

        return statements;
    }

    private static unsafe string Fingerprint(ReadOnlySpan<byte> statement)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(statement.Length + 1);
        try
        {
            statement.CopyTo(buffer);
            buffer[statement.Length] = 0;
            fixed (byte* input = buffer)
            {
                var result = PgQueryNative.Fingerprint(input);
                try
                {
                    return result.Error == null && result.FingerprintString != null
                        ? Marshal.PtrToStringUTF8((IntPtr)result.FingerprintString) ?? string.Empty
                        : string.Empty;
                }
                finally
                {
                    PgQueryNative.FreeFingerprintResult(result);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    internal static StatementInfo Unparseable(string sql, string reason) => new()
    {
        Kind = StatementKind.Unparseable,
        Kinds = [StatementKind.Unparseable],
        Sql = sql,
        ParseError = reason,
    };

    /// <summary>Refused for its depth: unparseable to every rule, and answered 54001 (statement_too_complex) by default:too-complex.</summary>
    internal static StatementInfo TooDeep(string sql, string reason) => Unparseable(sql, reason) with { TooComplex = true };

    private static unsafe string ErrorText(PgQueryNative.Error* error)
    {
        var message = error->Message == null ? "syntax error" : Marshal.PtrToStringUTF8((IntPtr)error->Message);
        return error->CursorPosition > 0 ? $"{message} at position {error->CursorPosition}" : message ?? "syntax error";
    }

    private static unsafe int strlen(byte* text) => System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpanFromNullTerminated(text).Length;
}
