using System.Text;

namespace OrleansGate.Grains.Catalog;

/// <summary>
/// A mask's <c>schema.table.column</c> read as PostgreSQL reads three identifiers: an unquoted part
/// is folded to lower case, a double-quoted part is taken exactly (<c>""</c> is a quote), so
/// <c>"Sales"."People".ssn</c> names the mixed-case schema and table a client created with quotes.
/// </summary>
internal sealed record ConfiguredColumn(string Schema, string Table, string Column)
{
    /// <summary>The three names, or null for <c>*</c> and anything that is not three identifiers.</summary>
    public static ConfiguredColumn? Parse(string configured)
    {
        var parts = new List<string>(3);
        var position = 0;
        while (position <= configured.Length)
        {
            var part = ReadIdentifier(configured, ref position);
            if (part is null)
            {
                return null;
            }

            parts.Add(part);
            if (position == configured.Length)
            {
                break;
            }

            if (configured[position] != '.')
            {
                return null;
            }

            position++;
        }

        return parts.Count == 3 ? new ConfiguredColumn(parts[0], parts[1], parts[2]) : null;
    }

    private static string? ReadIdentifier(string text, ref int position)
    {
        if (position < text.Length && text[position] == '"')
        {
            var name = new StringBuilder();
            for (position++; position < text.Length; position++)
            {
                if (text[position] != '"')
                {
                    name.Append(text[position]);
                }
                else if (position + 1 < text.Length && text[position + 1] == '"')
                {
                    name.Append('"');
                    position++;
                }
                else
                {
                    position++;
                    return name.Length > 0 ? name.ToString() : null;
                }
            }

            return null; // no closing quote
        }

        var start = position;
        while (position < text.Length && text[position] != '.' && text[position] != '"')
        {
            position++;
        }

        var bare = text[start..position].Trim();
        // PostgreSQL folds only ASCII letters of an unquoted identifier (UTF-8 databases).
        return bare.Length == 0 || bare == "*" ? null : string.Create(bare.Length, bare, static (span, s) =>
        {
            for (var i = 0; i < s.Length; i++)
            {
                span[i] = s[i] is >= 'A' and <= 'Z' ? (char)(s[i] + 32) : s[i];
            }
        });
    }
}
