using System.Buffers;
using System.Text;

namespace OrleansGate.Proxy.Relay;

/// <summary>
/// Keeps the gateway-held upstream credentials out of what a client reads. Server messages
/// can quote the upstream role ("must be owner of ...", "role \"x\" ..."), so error and notice
/// text is checked for the role name and the password and rewritten when either appears.
/// The check runs on raw bytes and costs nothing when neither is present.
/// </summary>
public sealed class CredentialScrubber
{
    public const string Replacement = "[gateway credential]";

    private readonly byte[] _user;
    private readonly byte[] _password;
    private readonly string _userText;
    private readonly string _passwordText;

    public CredentialScrubber(string upstreamUser, string upstreamPassword)
    {
        _userText = upstreamUser;
        _passwordText = upstreamPassword;
        _user = Encoding.UTF8.GetBytes(upstreamUser);
        _password = Encoding.UTF8.GetBytes(upstreamPassword);
    }

    /// <summary>True when the bytes contain the upstream role name or password.</summary>
    public bool MayContainSecret(in ReadOnlySequence<byte> bytes)
    {
        if (bytes.IsSingleSegment)
        {
            return Contains(bytes.FirstSpan);
        }

        var copy = ArrayPool<byte>.Shared.Rent((int)bytes.Length);
        try
        {
            bytes.CopyTo(copy);
            return Contains(copy.AsSpan(0, (int)bytes.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    /// <summary>Replaces the password anywhere, and the role name where it stands as a whole word.</summary>
    public string Scrub(string text)
    {
        if (_passwordText.Length > 0)
        {
            text = text.Replace(_passwordText, Replacement, StringComparison.Ordinal);
        }

        if (_userText.Length == 0)
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        var start = 0;
        while (true)
        {
            var at = text.IndexOf(_userText, start, StringComparison.Ordinal);
            if (at < 0)
            {
                result.Append(text, start, text.Length - start);
                return result.ToString();
            }

            var end = at + _userText.Length;
            var whole = (at == 0 || !IsIdentifierChar(text[at - 1])) && (end == text.Length || !IsIdentifierChar(text[end]));
            result.Append(text, start, at - start).Append(whole ? Replacement : _userText);
            start = end;
        }
    }

    private bool Contains(ReadOnlySpan<byte> span) =>
        (_user.Length > 0 && span.IndexOf(_user) >= 0) || (_password.Length > 0 && span.IndexOf(_password) >= 0);

    private static bool IsIdentifierChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '$';
}
