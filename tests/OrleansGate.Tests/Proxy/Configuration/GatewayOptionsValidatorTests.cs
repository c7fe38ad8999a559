using Microsoft.Extensions.Configuration;
using OrleansGate.Grains.Configuration;
using Xunit;

namespace OrleansGate.Tests.Proxy.Configuration;

/// <summary>Identities and targets are checked as a whole; each failure line starts with its key.</summary>
public sealed class GatewayOptionsValidatorTests
{
    private static readonly IConfiguration Empty = new ConfigurationBuilder().Build();

    [Fact]
    public void A_sound_configuration_passes()
    {
        var options = new GatewayOptions
        {
            Identities = [new IdentityOptions { Name = "alice", Password = "secret", Groups = ["a"] }],
            Targets = [new TargetOptions { Name = "shop", Host = "db", Username = "owner", Password = "pw", Groups = ["a"] }],
        };

        Assert.True(new GatewayOptionsValidator(Empty).Validate(null, options).Succeeded);
    }

    [Fact]
    public void Every_problem_is_reported_with_its_key()
    {
        var options = new GatewayOptions
        {
            Identities =
            [
                new IdentityOptions { Name = "alice", Password = "x", ScramVerifier = "SCRAM-SHA-256$...", Groups = ["a"] },
                new IdentityOptions { Name = "alice", Password = "y", Groups = [" "], ApiToken = "short" },
            ],
            Targets =
            [
                new TargetOptions { Name = "", Host = "", Port = 0, Username = "" },
                new TargetOptions { Name = "t", Host = "db", Username = "u", ConnectTimeout = TimeSpan.Zero, RootCertificate = "/nonexistent.pem" },
            ],
        };

        var failures = new GatewayOptionsValidator(Empty).Validate(null, options).Failures!.ToList();

        Assert.Equal(
        [
            "OrleansGate:Identities:0:Password: give exactly one of Password or ScramVerifier",
            "OrleansGate:Identities:1:Name: 'alice' is configured twice",
            "OrleansGate:Identities:1:ApiToken: must be at least 16 characters",
            "OrleansGate:Identities:1:Groups:0: a group name cannot be empty",
            "OrleansGate:Targets:0:Name: is required",
            "OrleansGate:Targets:0:Host: is required",
            "OrleansGate:Targets:0:Port: must be between 1 and 65535 (got 0)",
            "OrleansGate:Targets:0:Username: is required",
            "OrleansGate:Targets:1:RootCertificate: file '/nonexistent.pem' does not exist",
            "OrleansGate:Targets:1:ConnectTimeout: must be positive",
        ], failures);
    }

    [Fact]
    public void A_list_element_the_binder_would_drop_is_reported_instead()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OrleansGate:Targets:0:Name"] = "shop",
            ["OrleansGate:Targets:0:Host"] = "db",
            ["OrleansGate:Targets:0:Username"] = "owner",
            ["OrleansGate:Targets:0:SslMode"] = "Sometimes",
        }).Build();

        var failures = new GatewayOptionsValidator(configuration).Validate(null, new GatewayOptions()).Failures!;

        Assert.Equal(["OrleansGate:Targets:0:SslMode: 'Sometimes' is not a valid UpstreamSslMode"], failures);
    }
}
