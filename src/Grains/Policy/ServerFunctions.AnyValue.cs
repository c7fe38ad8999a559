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

    /// <summary>Functions, by the arguments (bit i: argument i) that accept every value; aggregates count their FILTER and ORDER BY as arguments too.</summary>
    private static readonly Dictionary<string, uint> AnyValueArguments = new(StringComparer.Ordinal)
    {
        // Text in, text or a number out, for any text.
        ["upper"] = EveryArgument, ["lower"] = EveryArgument, ["initcap"] = EveryArgument,
        ["length"] = EveryArgument, ["char_length"] = EveryArgument, ["character_length"] = EveryArgument,
        ["octet_length"] = EveryArgument, ["bit_length"] = EveryArgument, ["ascii"] = EveryArgument,
        ["concat"] = EveryArgument, ["concat_ws"] = EveryArgument, ["md5"] = EveryArgument,
        ["btrim"] = EveryArgument, ["ltrim"] = EveryArgument, ["rtrim"] = EveryArgument,
        ["translate"] = EveryArgument, ["reverse"] = EveryArgument,
        ["strpos"] = EveryArgument, ["position"] = EveryArgument, ["starts_with"] = EveryArgument,
        ["left"] = EveryArgument, ["right"] = EveryArgument,
        ["quote_literal"] = EveryArgument, ["quote_ident"] = EveryArgument, ["quote_nullable"] = EveryArgument,
        ["to_json"] = EveryArgument, ["to_jsonb"] = EveryArgument, ["row_to_json"] = EveryArgument,
        ["num_nulls"] = EveryArgument, ["num_nonnulls"] = EveryArgument, ["pg_typeof"] = EveryArgument,
        // The string itself; a position or length may be out of range (substr(s, 1, -1), lpad(s, 1e9)).
        ["substr"] = 1, ["substring"] = 1, ["lpad"] = 0b101, ["rpad"] = 0b101, ["split_part"] = 0b11,
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
