using System.Text.Json.Nodes;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Upstream;

/// <summary>Against a server that offers no TLS, Prefer falls back to plain TCP and Require refuses to connect.</summary>
public sealed class UpstreamWithoutTlsTests(PostgresFixture postgres) : GatewayTestBase(postgres)
{
    protected override void Configure(JsonObject configuration)
    {
        configuration.Targets().Add(GatewayConfig.Target("tls_prefer", Postgres, Database, PostgresFixture.ScramUser, "Prefer"));
        configuration.Targets().Add(GatewayConfig.Target("tls_require", Postgres, Database, PostgresFixture.ScramUser, "Require"));
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        // The fixture's own cluster runs without TLS; UpstreamTlsTests switches it on only for its own tests.
        Assert.Equal("off", await PostgresServerTls.CurrentSettingAsync(Postgres));
    }

    [Fact]
    public async Task Prefer_connects_in_plain_text()
    {
        await using var connection = new NpgsqlConnection(Gateway.ConnectionString("alice", GatewayConfig.AlicePassword, "tls_prefer"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", connection);

        Assert.Equal(false, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Require_fails_closed_with_08006_naming_the_target()
    {
        await using var connection = new NpgsqlConnection(Gateway.ConnectionString("alice", GatewayConfig.AlicePassword, "tls_require"));

        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());

        Assert.Equal("08006", error.SqlState);
        Assert.StartsWith("could not connect to target \"tls_require\"", error.MessageText, StringComparison.Ordinal);
        Assert.Contains("needs TLS", error.MessageText, StringComparison.Ordinal);
    }
}
