using System.Globalization;
using System.Text;

namespace OrleansGate.Grains.Approvals;

/// <summary>
/// A held statement as an approver reads it: its SQL, then — as SQL comments, one line each — what
/// an EXECUTE or FETCH runs and the values bound to its parameters. Everything added is commented
/// on every line and parameter values are one-line literals, so no statement text or value can
/// pose as a line of its own.
/// </summary>
public static class HeldStatementText
{
    /// <summary>Statement <paramref name="index"/> of <paramref name="request"/> in full.</summary>
    public static string Of(ApprovalRequest request, int index)
    {
        var text = new StringBuilder(request.Statements[index]);
        if (index < request.Runs.Count && request.Runs[index] is { } runs)
        {
            var lines = runs.ReplaceLineEndings("\n").Split('\n');
            text.Append("\n-- runs: ").Append(lines[0]);
            foreach (var line in lines.Skip(1))
            {
                text.Append("\n--       ").Append(line);
            }
        }

        if (index < request.Parameters.Count)
        {
            var parameters = request.Parameters[index];
            for (var i = 0; i < parameters.Count; i++)
            {
                text.Append(CultureInfo.InvariantCulture, $"\n-- ${i + 1} = {Literal(parameters[i])}");
            }
        }

        return text.ToString();
    }

    /// <summary>Every statement of <paramref name="request"/>, in order.</summary>
    public static IReadOnlyList<string> All(ApprovalRequest request) =>
        Enumerable.Range(0, request.Statements.Count).Select(i => Of(request, i)).ToArray();

    /// <summary>A SQL literal on one line: <c>NULL</c>, <c>'text'</c>, or <c>E'…'</c> with control characters escaped.</summary>
    public static string Literal(string? value)
    {
        if (value is null)
        {
            return "NULL";
        }

        if (!value.Any(c => char.IsControl(c) || c == '\\'))
        {
            return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
        }

        var escaped = new StringBuilder("E'");
        foreach (var c in value)
        {
            escaped.Append(c switch
            {
                '\'' => "''",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}"),
                _ => c.ToString(),
            });
        }

        return escaped.Append('\'').ToString();
    }
}
