using System.Buffers;
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

    private static unsafe IReadOnlyList<StatementInfo> ParseUncached(string sql)
    {
        // The library reads a NUL-terminated string: text after a NUL would never be seen.
        if (sql.Contains('\0', StringComparison.Ordinal))
        {
            return [Unparseable(sql, "statement text contains a NUL character")];
        }

        var byteCount = Encoding.UTF8.GetByteCount(sql);
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
            return [Unparseable(sql, "statement is nested too deeply to inspect")];
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

    private static unsafe string ErrorText(PgQueryNative.Error* error)
    {
        var message = error->Message == null ? "syntax error" : Marshal.PtrToStringUTF8((IntPtr)error->Message);
        return error->CursorPosition > 0 ? $"{message} at position {error->CursorPosition}" : message ?? "syntax error";
    }

    private static unsafe int strlen(byte* text) => System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpanFromNullTerminated(text).Length;
}
