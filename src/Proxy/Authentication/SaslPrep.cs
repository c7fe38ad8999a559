using System.Text;

namespace OrleansGate.Proxy.Authentication;

/// <summary>
/// The password preparation PostgreSQL applies before SCRAM (RFC 4013 SASLprep, as in
/// PostgreSQL's <c>pg_saslprep</c>): non-ASCII spaces become U+0020, characters "mapped to
/// nothing" are dropped, the result is NFKC-normalised. As in PostgreSQL, a password that
/// is not valid for SASLprep (it has control characters) is used as it is.
/// </summary>
public static class SaslPrep
{
    public static string Normalize(string password)
    {
        if (IsPrintableAscii(password))
        {
            return password;
        }

        var mapped = new StringBuilder(password.Length);
        foreach (var c in password)
        {
            if (IsMappedToNothing(c))
            {
                continue;
            }

            mapped.Append(IsNonAsciiSpace(c) ? ' ' : c);
        }

        var normalized = mapped.ToString().Normalize(NormalizationForm.FormKC);
        foreach (var c in normalized)
        {
            if (char.IsControl(c))
            {
                return password;
            }
        }

        return normalized;
    }

    private static bool IsPrintableAscii(string text)
    {
        foreach (var c in text)
        {
            if (c is < (char)0x20 or > (char)0x7e)
            {
                return false;
            }
        }

        return true;
    }

    // RFC 3454 table C.1.2.
    private static bool IsNonAsciiSpace(char c) =>
        c is '\u00A0' or '\u1680' or (>= '\u2000' and <= '\u200B') or '\u202F' or '\u205F' or '\u3000';

    // RFC 3454 table B.1.
    private static bool IsMappedToNothing(char c) =>
        c is '\u00AD' or '\u034F' or '\u1806' or (>= '\u180B' and <= '\u180D') or (>= '\u200B' and <= '\u200D')
            or '\u2060' or (>= '\uFE00' and <= '\uFE0F') or '\uFEFF';
}
