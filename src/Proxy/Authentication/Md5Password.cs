using System.Security.Cryptography;
using System.Text;

namespace OrleansGate.Proxy.Authentication;

/// <summary>
/// The answer to AuthenticationMD5Password: "md5" + md5(md5(password + user) + salt), in hex
/// (§55.3.1). Only ever sent upstream, to servers that still ask for it.
/// </summary>
public static class Md5Password
{
    public static string Compute(string user, string password, ReadOnlySpan<byte> salt)
    {
#pragma warning disable CA5351 // MD5 is what the server asked for; the gateway never offers it to clients.
        var inner = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(password + user)));
        var outerInput = new byte[inner.Length + salt.Length];
        Encoding.ASCII.GetBytes(inner, outerInput);
        salt.CopyTo(outerInput.AsSpan(inner.Length));
        return "md5" + Convert.ToHexStringLower(MD5.HashData(outerInput));
#pragma warning restore CA5351
    }
}
