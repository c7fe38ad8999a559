using Npgsql;
using OrleansGate.Proxy.Protocol.Backend;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Authentication;

/// <summary>
/// Every way a client login is refused: the SQLSTATE a driver reports, the connection closed
/// after one FATAL, and not one byte of any upstream user name or password on the wire.
/// </summary>
public sealed class RefusedLoginTests(PostgresFixture postgres) : GatewayTestBase(postgres)
{
    [Theory]
    [InlineData("alice", "wrong-password", "main", "28P01")]
    [InlineData("mallory", "any-password", "main", "28P01")]
    [InlineData("alice", "wrong-password", "no_such_target", "28P01")] // a stranger learns nothing about targets
    [InlineData("alice", GatewayConfig.AlicePassword, "no_such_target", "3D000")]
    [InlineData("carol", GatewayConfig.CarolPassword, "main", "28000")]
    public async Task Npgsql_reports_the_refusal_sqlstate(string user, string password, string target, string sqlState)
    {
        await using var connection = new NpgsqlConnection(Gateway.ConnectionString(user, password, target));

        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());

        Assert.Equal(sqlState, error.SqlState);
        Assert.Equal("FATAL", error.InvariantSeverity);
    }

    [Fact]
    public async Task A_wrong_password_gets_28P01_naming_the_identity()
    {
        var error = await RefusedAsync(c => c.LoginAsync("alice", "wrong-password", "main"));

        Assert.Equal("28P01", error.SqlState);
        Assert.Equal("password authentication failed for user \"alice\"", error.Message);
    }

    [Fact]
    public async Task An_unknown_identity_gets_the_same_exchange_and_error_as_a_wrong_password()
    {
        await using var known = await RawClient.ConnectAsync(Gateway.Port);
        var knownMessages = await known.LoginAsync("alice", "wrong-password", "main");
        await using var unknown = await RawClient.ConnectAsync(Gateway.Port);
        var unknownMessages = await unknown.LoginAsync("mallory", "any-password", "main");

        Assert.Equal(knownMessages.Select(m => m.Type), unknownMessages.Select(m => m.Type));
        var knownError = RawClient.Error(knownMessages[^1]);
        var unknownError = RawClient.Error(unknownMessages[^1]);
        Assert.Equal("28P01", unknownError.SqlState);
        Assert.Equal(knownError.Message!.Replace("alice", "mallory", StringComparison.Ordinal), unknownError.Message);
        Assert.Equal(knownError.Fields.Select(f => f.Key), unknownError.Fields.Select(f => f.Key));
        UpstreamSecrets.AssertNoneIn(unknown.Received, Gateway.Configuration);
    }

    [Fact]
    public async Task An_unknown_identity_sees_a_stable_salt_and_the_usual_iteration_count()
    {
        // A salt that changed on every attempt would tell a prober that the name does not exist.
        var first = await ServerFirstAsync("mallory");
        var second = await ServerFirstAsync("mallory");
        var known = await ServerFirstAsync("alice");

        Assert.Equal(Attribute(first, 's'), Attribute(second, 's'));
        Assert.Equal(Convert.FromBase64String(Attribute(known, 's')).Length, Convert.FromBase64String(Attribute(first, 's')).Length);
        Assert.Equal(Attribute(known, 'i'), Attribute(first, 'i'));
    }

    [Fact]
    public async Task An_unknown_target_gets_3D000_only_after_a_correct_password()
    {
        var error = await RefusedAsync(c => c.LoginAsync("alice", GatewayConfig.AlicePassword, "no_such_target"));

        Assert.Equal("3D000", error.SqlState);
        Assert.Contains("\"no_such_target\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_identity_outside_the_target_groups_gets_28000()
    {
        var error = await RefusedAsync(c => c.LoginAsync("carol", GatewayConfig.CarolPassword, "main"));

        Assert.Equal("28000", error.SqlState);
        Assert.Contains("\"carol\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"main\"", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("options", "-c role=postgres")]
    [InlineData("options", "-c session_authorization=postgres")]
    [InlineData("replication", "database")]
    [InlineData("replication", "true")]
    [InlineData("role", "postgres")]
    [InlineData("session_authorization", "postgres")]
    public async Task A_startup_parameter_that_changes_who_the_session_is_gets_42501(string name, string value)
    {
        var error = await RefusedAsync(c => c.LoginAsync("alice", GatewayConfig.AlicePassword, "main", [new(name, value)]));

        // docs/configuration.md: any startup parameter outside the allowlist is refused with FATAL 42501 naming it.
        Assert.Equal("42501", error.SqlState);
        Assert.Equal($"startup parameter \"{name}\" is not allowed through the gateway", error.Message);
    }

    [Theory]
    [InlineData("LATIN1")]
    [InlineData("SJIS")]
    [InlineData("SQL_ASCII")]
    public async Task A_client_encoding_other_than_utf8_is_refused_because_statements_are_read_as_utf8(string encoding)
    {
        var error = await RefusedAsync(c => c.LoginAsync("alice", GatewayConfig.AlicePassword, "main", [new("client_encoding", encoding)]));

        Assert.Equal("0A000", error.SqlState);
        Assert.Contains($"client_encoding \"{encoding}\" is not supported", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Standard_conforming_strings_off_is_refused_because_literals_would_read_differently()
    {
        var error = await RefusedAsync(c => c.LoginAsync("alice", GatewayConfig.AlicePassword, "main", [new("standard_conforming_strings", "off")]));

        Assert.Equal("0A000", error.SqlState);
        Assert.Contains("standard_conforming_strings must be on", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("UTF8")]
    [InlineData("utf-8")]
    [InlineData("unicode")]
    public async Task Utf8_under_any_spelling_logs_in(string encoding)
    {
        await using var client = await RawClient.ConnectAsync(Gateway.Port);

        var replies = await client.LoginAsync("alice", GatewayConfig.AlicePassword, "main", [new("client_encoding", encoding)]);

        Assert.Equal('Z', replies[^1].Type);
    }

    [Fact]
    public async Task Npgsql_options_keyword_is_refused_with_42501()
    {
        await using var connection = new NpgsqlConnection(ViaGateway(b => b.Options = "-c role=postgres"));

        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());

        Assert.Equal("42501", error.SqlState);
        Assert.Contains("\"options\"", error.MessageText, StringComparison.Ordinal);
    }

    /// <summary>Runs a login that must fail; returns its one FATAL error after checking the connection closed and nothing leaked.</summary>
    private async Task<ErrorResponse> RefusedAsync(Func<RawClient, Task<List<(char Type, byte[] Payload)>>> login)
    {
        await using var client = await RawClient.ConnectAsync(Gateway.Port);
        var messages = await login(client);
        messages.AddRange(await client.ReadToEndAsync());

        Assert.DoesNotContain(messages, m => m.Type == 'Z');
        var error = RawClient.Error(Assert.Single(messages, m => m.Type == 'E'));
        Assert.Equal("FATAL", error.Severity);
        UpstreamSecrets.AssertNoneIn(client.Received, Gateway.Configuration);
        return error;
    }

    /// <summary>The SCRAM server-first-message the gateway sends <paramref name="user"/>.</summary>
    private async Task<string> ServerFirstAsync(string user)
    {
        await using var client = await RawClient.ConnectAsync(Gateway.Port);
        var messages = await client.LoginAsync(user, "any-password", "main");
        var saslContinue = messages.First(m => m.Type == 'R' && m.Payload[3] == 11);
        return System.Text.Encoding.UTF8.GetString(saslContinue.Payload.AsSpan(4));
    }

    private static string Attribute(string scramMessage, char name) =>
        scramMessage.Split(',').Single(a => a[0] == name)[2..];
}
