using System.Globalization;
using System.Text;

namespace OrleansGate.ReplayTool.Approvals;

/// <summary>
/// Text from the gateway made safe for a terminal. SQL, reasons and names come from whoever sent
/// them: an escape sequence in them would reach the approver's terminal and could rewrite what it
/// shows (move the cursor, clear a line, recolour), and bidirectional or invisible format
/// characters reorder or hide text. Each becomes its visible <c>\uXXXX</c> form.
/// </summary>
internal static class TerminalText
{
    public static string Safe(string text, bool keepNewlines = true)
    {
        if (!text.Any(NeedsEscape))
        {
            return text;
        }

        var safe = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (c == '\n' && keepNewlines)
            {
                safe.Append(c);
            }
            else if (c == '\t')
            {
                safe.Append("    ");
            }
            else if (NeedsEscape(c))
            {
                safe.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                safe.Append(c);
            }
        }

        return safe.ToString();
    }

    /// <summary>Control characters (C0, DEL, C1) and format characters (bidi controls, zero-width ones).</summary>
    private static bool NeedsEscape(char c) =>
        (char.IsControl(c) && c != '\n') || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format;
}
