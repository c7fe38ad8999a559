using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansGate.Grains.Configuration;
using OrleansGate.Silo.Admin;
using Xunit;

namespace OrleansGate.Tests.Silo.Admin;

/// <summary>A bad OrleansGate:Admin value is one line naming the key; an empty Listen disables the API.</summary>
public sealed class AdminConfigurationTests
{
    [Theory]
    [InlineData("Listen", "6480", "OrleansGate:Admin:Listen: '6480' is not host:port")]
    [InlineData("Listne", "127.0.0.1:6480", "OrleansGate:Admin:Listne: unknown key")]
    [InlineData("Webhook:Url", "ftp://example.com/hook", "OrleansGate:Admin:Webhook:Url: must be an absolute http or https URL")]
    [InlineData("Webhook:Attempts", "0", "OrleansGate:Admin:Webhook:Attempts: must be between 1 and 20 (got 0)")]
    [InlineData("Webhook:Timeout", "00:00:00", "OrleansGate:Admin:Webhook:Timeout: must be positive")]
    [InlineData("AdminGroups:0", " ", "OrleansGate:Admin:AdminGroups:0: a group name cannot be empty")]
    [InlineData("PolicyEditorGroups:0", " ", "OrleansGate:Admin:PolicyEditorGroups:0: a group name cannot be empty")]
    [InlineData("AuditorGroups:0", " ", "OrleansGate:Admin:AuditorGroups:0: a group name cannot be empty")]
    public void A_bad_value_is_reported_with_its_key(string key, string value, string expected)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [$"OrleansGate:Admin:{key}"] = value })
            .Build();
        var options = configuration.GetSection(AdminOptions.Section).Get<AdminOptions>() ?? new AdminOptions();

        var result = new AdminOptionsValidator(configuration).Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Two_identities_cannot_share_an_api_token_and_the_token_is_not_repeated_in_the_error()
    {
        const string Token = "shared-token-0123456789";
        var options = new GatewayOptions
        {
            Identities =
            [
                new IdentityOptions { Name = "alice", Password = "a", ApiToken = Token },
                new IdentityOptions { Name = "bob", Password = "b", ApiToken = Token },
            ],
        };

        var failures = new GatewayOptionsValidator(new ConfigurationBuilder().Build()).Validate(null, options).Failures!;

        Assert.Equal(["OrleansGate:Identities:1:ApiToken: the same token as OrleansGate:Identities:0:ApiToken"], failures);
    }

    [Fact]
    public void Configured_admin_and_auditor_groups_replace_the_defaults_which_apply_only_when_none_is_configured()
    {
        AdminOptions Bound(Dictionary<string, string?> settings)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
            using var services = new ServiceCollection().AddAdmin(configuration).BuildServiceProvider();
            return services.GetRequiredService<IOptions<AdminOptions>>().Value;
        }

        var configured = Bound(new() { ["OrleansGate:Admin:AdminGroups:0"] = "dba", ["OrleansGate:Admin:AuditorGroups:0"] = "compliance" });
        Assert.Equal(["dba"], configured.AdminGroups);
        Assert.Equal(["compliance"], configured.AuditorGroups);
        var defaults = Bound([]);
        Assert.Equal(["admins"], defaults.AdminGroups);
        Assert.Equal(["auditors"], defaults.AuditorGroups);
    }

    [Fact]
    public void An_empty_listen_address_disables_the_api_and_is_valid()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["OrleansGate:Admin:Listen"] = "" })
            .Build();
        var options = configuration.GetSection(AdminOptions.Section).Get<AdminOptions>() ?? new AdminOptions();

        Assert.False(options.Enabled);
        Assert.True(new AdminOptionsValidator(configuration).Validate(null, options).Succeeded);
    }
}
