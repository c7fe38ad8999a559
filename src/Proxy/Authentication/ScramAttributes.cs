namespace OrleansGate.Proxy.Authentication;

/// <summary>Reads the comma-separated <c>x=value</c> attributes of a SCRAM message (RFC 5802 §5.1).</summary>
internal static class ScramAttributes
{
    /// <summary>Splits "a=1,b=2" into (name, value) pairs; null when any part is not of that form.</summary>
    public static List<(char Name, string Value)>? Parse(string message)
    {
        var result = new List<(char, string)>();
        foreach (var part in message.Split(','))
        {
            if (part.Length < 2 || part[1] != '=' || !char.IsAsciiLetter(part[0]))
            {
                return null;
            }

            result.Add((part[0], part[2..]));
        }

        return result;
    }

    /// <summary>A nonce is printable ASCII other than ',' (RFC 5802 §7).</summary>
    public static bool IsValidNonce(string nonce)
    {
        if (nonce.Length == 0)
        {
            return false;
        }

        foreach (var c in nonce)
        {
            if (c is < (char)0x21 or > (char)0x7e or ',')
            {
                return false;
            }
        }

        return true;
    }

    public static byte[]? TryFromBase64(string text)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
