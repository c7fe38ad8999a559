using System.Text.Json.Nodes;
using Xunit;

namespace OrleansGate.Tests.Support;

/// <summary>The upstream user names and passwords of a gateway configuration, which no client may ever receive.</summary>
public static class UpstreamSecrets
{
    public static IReadOnlyList<string> Of(JsonObject configuration) =>
        configuration.Targets()
            .SelectMany(t => new[] { (string?)t!["Username"], (string?)t["Password"] })
            .OfType<string>()
            .Where(s => s.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .ToList();

    /// <summary>Fails when any upstream user name or password occurs anywhere in <paramref name="received"/>.</summary>
    public static void AssertNoneIn(byte[] received, JsonObject configuration)
    {
        Assert.NotEmpty(Of(configuration));
        foreach (var secret in Of(configuration))
        {
            Assert.False(RawClient.Contains(received, secret), $"the client received the upstream credential \"{secret}\"");
        }
    }
}
