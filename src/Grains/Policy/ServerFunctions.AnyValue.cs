using OrleansGate.Grains.Statements;

namespace OrleansGate.Grains.Policy;

/// <summary>
/// The server's functions and operators that accept every value of an argument: computing them
/// over a masked value cannot fail, takes time that grows only with its length, and yields a
/// result whose size depends on its length alone. Every other call over a masked value may fail
/// for some values (<c>1/(ascii(ssn) - 49)</c>, overflow, <c>chr(0)</c>, an invalid pattern), take
/// longer for some (a regular expression that backtracks), or grow with its content
/// (<c>replace(ssn, '1', huge)</c>), and the masking analysis counts it as a bit of the value.
/// </summary>
public static partial class ServerFunctions
{
    private const uint EveryArgument = uint.MaxValue;

    private const uint First = 0b1;

    /// <summary>
    /// Functions, by the arguments (bit i: argument i) that accept every value; aggregates count
    /// their ORDER BY as arguments too. Only arguments whose value cannot make the call fail, and
    /// whose content bounds neither the result's size nor the time taken beyond its own length:
    /// in <c>translate(repeat('1', 68000000), substr(ssn, 1, 1), '')</c> the result is 68 MB or
    /// nothing depending on ssn. The name covers every overload (<c>length(bytea, name)</c> fails
    /// on an unknown encoding name, so only the first argument of <c>length</c> counts).
    /// </summary>
    private static readonly Dictionary<string, uint> AnyValueArguments = new(StringComparer.Ordinal)
    {
        // Text in, text or a number out, for any text.
        ["upper"] = First, ["lower"] = First, ["initcap"] = First, ["reverse"] = First,
        ["length"] = First, ["char_length"] = First, ["character_length"] = First,
        ["octet_length"] = First, ["bit_length"] = First, ["ascii"] = First, ["md5"] = First,
        ["concat"] = EveryArgument, ["concat_ws"] = EveryArgument,
        ["quote_literal"] = First, ["quote_ident"] = First, ["quote_nullable"] = First,
        ["to_json"] = First, ["to_jsonb"] = First, ["row_to_json"] = First,
        ["num_nulls"] = EveryArgument, ["num_nonnulls"] = EveryArgument, ["pg_typeof"] = First,
        // The string searched, trimmed or cut; not what is searched for or how much is kept
        // (split_part(s, '-', 0) fails; left(huge, strpos(…)) is as long as a masked value says).
        ["btrim"] = First, ["ltrim"] = First, ["rtrim"] = First, ["translate"] = First,
        ["strpos"] = First, ["position"] = First, ["starts_with"] = EveryArgument,
        ["left"] = First, ["right"] = First, ["substr"] = First, ["split_part"] = First,
        ["lpad"] = 0b101, ["rpad"] = 0b101,
        // The instant; the unit or time zone may be unknown.
        ["date_part"] = 0b10, ["extract"] = 0b10, ["date_trunc"] = 0b10,
        // Aggregates that compare or collect values as they are.
        ["count"] = EveryArgument, ["min"] = EveryArgument, ["max"] = EveryArgument, ["string_agg"] = EveryArgument,
        ["bool_and"] = EveryArgument, ["bool_or"] = EveryArgument, ["every"] = EveryArgument,
        ["json_agg"] = EveryArgument, ["jsonb_agg"] = EveryArgument,
        // Values at the odd positions; a key may be NULL, which fails.
        ["json_build_object"] = 0xAAAAAAAA, ["jsonb_build_object"] = 0xAAAAAAAA,
        ["json_build_array"] = EveryArgument, ["jsonb_build_array"] = EveryArgument,
    };

    /// <summary>
    /// Operators that compare, test or join values of any kind (text concatenation included). LIKE
    /// and regular expressions are not among them: a pattern can be invalid, and matching can take
    /// far longer on some strings than on others.
    /// </summary>
    private static readonly HashSet<string> AnyValueOperators = new(StringComparer.Ordinal)
    {
        "=", "<>", "!=", "<", ">", "<=", ">=", "||",
        "BETWEEN", "NOT BETWEEN", "BETWEEN SYMMETRIC", "NOT BETWEEN SYMMETRIC",
        "@>", "<@", "&&", "->", "->>", "#>", "#>>", "?", "?|", "?&",
    };

    /// <summary>Whether the server's <paramref name="function"/> accepts every value as its argument number <paramref name="argument"/> (from 0).</summary>
    public static bool AcceptsAnyValue(string function, int argument) =>
        argument < 32 && AnyValueArguments.TryGetValue(SqlNames.Unqualified(function), out var arguments) && (arguments & (1u << argument)) != 0;

    /// <summary>Whether <paramref name="op"/> accepts every value as any of its operands.</summary>
    public static bool OperatorAcceptsAnyValue(string op) => AnyValueOperators.Contains(SqlNames.Unqualified(op));
}
