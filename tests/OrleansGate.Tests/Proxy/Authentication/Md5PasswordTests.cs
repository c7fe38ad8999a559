using OrleansGate.Proxy.Authentication;
using Xunit;

namespace OrleansGate.Tests.Proxy.Authentication;

/// <summary>
/// The answer to an MD5 challenge, checked against values computed independently with Python's
/// hashlib: "md5" + md5(hex(md5(password + user)) + salt).
/// </summary>
public sealed class Md5PasswordTests
{
    [Theory]
    [InlineData("og_md5", "secret", new byte[] { 1, 2, 3, 4 }, "md531a25846e9550a6542a43f87eb10dfac")]
    [InlineData("alice", "pässwörd", new byte[] { 0xde, 0xad, 0xbe, 0xef }, "md5f844ef79d5bdbe1ed21eaba5f0e4488a")]
    [InlineData("postgres", "postgres", new byte[] { 0, 0, 0, 0 }, "md52fff09cd9def51601fc5445943b3a11f")]
    public void The_response_matches_an_independent_computation(string user, string password, byte[] salt, string expected) =>
        Assert.Equal(expected, Md5Password.Compute(user, password, salt));

    [Fact]
    public void The_salt_changes_the_response() =>
        Assert.NotEqual(Md5Password.Compute("og_md5", "secret", [1, 2, 3, 4]), Md5Password.Compute("og_md5", "secret", [1, 2, 3, 5]));
}
