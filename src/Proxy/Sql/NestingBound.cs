namespace OrleansGate.Proxy.Sql;

/// <summary>
/// An upper bound on how deep a statement's parse tree can be, from its tokens alone (libpg_query's
/// scanner, the grammar's own lexer, whose stack does not grow with the text), so that a statement
/// whose tree could outgrow the parse thread's stack is refused before the grammar builds it.
/// </summary>
/// <remarks>
/// libpg_query's grammar is iterative, but turning the tree into JSON recurses once or twice per
/// level (about 130 bytes of native stack for each <c>+1</c> of <c>1+1+…</c>), and nothing in it
/// checks the stack. A tree level needs a token: within a bracket, every token other than a
/// constant, a comma or a bracket may add one (an operator, a keyword, a name), and each bracket
/// may add one more above what it holds. So the bound of a bracket is its own such tokens, plus
/// the largest bound among the brackets it holds, plus one; the statement's is that of its
/// outermost level. Constants and commas add nothing, so a long VALUES or IN list stays shallow;
/// a long chain of operators at one level counts in full even where the grammar makes it flat
/// (<c>a AND b AND …</c>), which only makes the bound larger. Measured over operator chains,
/// unary chains, casts, nested subqueries, function calls, ARRAY, ROW, subscripts and CASE, a
/// unit of this bound costs at most about 200 bytes of native stack (a nested subquery).
/// </remarks>
internal static unsafe class NestingBound
{
    // pg_query.proto's Token values the bound treats apart.
    private const int OpenParen = 40, CloseParen = 41, Comma = 44, Semicolon = 59, OpenBracket = 91, CloseBracket = 93;
    private const int Fconst = 260, Sconst = 261, Usconst = 262, Bconst = 263, Xconst = 264, Iconst = 266, Param = 267;
    private const int SqlComment = 275, CComment = 276;

    /// <summary>The bound for a statement's text (tests).</summary>
    internal static long Of(string sql, out string? error)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(sql + "\0");
        fixed (byte* input = bytes)
        {
            return Of(input, out error);
        }
    }

    /// <summary>The bound for a NUL-terminated UTF-8 text, or -1 with the scanner's error when it cannot tokenize it.</summary>
    public static long Of(byte* input, out string? error)
    {
        var result = PgQueryNative.Scan(input);
        try
        {
            if (result.Error != null)
            {
                error = result.Error->Message == null
                    ? "syntax error"
                    : System.Runtime.InteropServices.Marshal.PtrToStringUTF8((IntPtr)result.Error->Message);
                return -1;
            }

            error = null;
            return OfScanResult(new ReadOnlySpan<byte>(result.Protobuf, checked((int)result.ProtobufLength)));
        }
        finally
        {
            PgQueryNative.FreeScanResult(result);
        }
    }

    /// <summary>The bound from a ScanResult message: <c>repeated ScanToken tokens = 2</c>, each with <c>Token token = 4</c>.</summary>
    internal static long OfScanResult(ReadOnlySpan<byte> message)
    {
        // Per open bracket (index 0 the statement's own level): its own tokens and its largest inner bound.
        var count = new List<long> { 0 };
        var inner = new List<long> { 0 };
        long deepest = 0;
        var position = 0;
        while (position < message.Length)
        {
            var key = Varint(message, ref position);
            if (key >> 3 == 2 && (key & 7) == 2)
            {
                var length = (int)Varint(message, ref position);
                var token = TokenOf(message.Slice(position, length));
                position += length;
                var level = count.Count - 1;
                switch (token)
                {
                    case OpenParen or OpenBracket:
                        count.Add(0);
                        inner.Add(0);
                        break;
                    case CloseParen or CloseBracket when level > 0:
                        Close(count, inner);
                        break;
                    case Semicolon when level == 0:
                        // Statements of a batch are trees of their own.
                        deepest = Math.Max(deepest, count[0] + inner[0] + 1);
                        count[0] = 0;
                        inner[0] = 0;
                        break;
                    case CloseParen or CloseBracket or Comma or Semicolon:
                    case Fconst or Sconst or Usconst or Bconst or Xconst or Iconst or Param or SqlComment or CComment:
                        break;
                    default:
                        count[level]++;
                        break;
                }
            }
            else
            {
                Skip(message, ref position, (int)(key & 7));
            }
        }

        // Brackets left open (the grammar will refuse the text) still count as closed here.
        while (count.Count > 1)
        {
            Close(count, inner);
        }

        return Math.Max(deepest, count[0] + inner[0] + 1);
    }

    private static void Close(List<long> count, List<long> inner)
    {
        var level = count.Count - 1;
        var bound = count[level] + inner[level] + 1;
        count.RemoveAt(level);
        inner.RemoveAt(level);
        inner[level - 1] = Math.Max(inner[level - 1], bound);
    }

    private static int TokenOf(ReadOnlySpan<byte> scanToken)
    {
        var token = 0;
        var position = 0;
        while (position < scanToken.Length)
        {
            var key = Varint(scanToken, ref position);
            if ((key & 7) == 0)
            {
                var value = Varint(scanToken, ref position);
                if (key >> 3 == 4)
                {
                    token = (int)value;
                }
            }
            else
            {
                Skip(scanToken, ref position, (int)(key & 7));
            }
        }

        return token;
    }

    private static void Skip(ReadOnlySpan<byte> message, ref int position, int wireType)
    {
        switch (wireType)
        {
            case 0:
                Varint(message, ref position);
                break;
            case 1:
                position += 8;
                break;
            case 2:
                position += (int)Varint(message, ref position);
                break;
            case 5:
                position += 4;
                break;
            default:
                throw new FormatException($"unexpected protobuf wire type {wireType} in libpg_query's scan result");
        }
    }

    private static ulong Varint(ReadOnlySpan<byte> message, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = message[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new FormatException("a varint longer than 64 bits in libpg_query's scan result");
    }
}
