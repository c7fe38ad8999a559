using System.Net;
using System.Text.Json.Nodes;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Admin;

/// <summary>
/// Approvers with OIDC tokens instead of a configured ApiToken: the admin API and the CLI take the
/// issuer's tokens as bearer tokens, the identity is the token's name claim and its groups decide
/// what it may approve; a token that does not verify gets 401 like a wrong ApiToken.
/// </summary>
public sealed class OidcApproverTests(PostgresFixture postgres) : AdminTestBase(postgres)
{
    private static readonly TestIssuer Issuer = new();

    // Requests live in the gateway's grains: a gateway per test.
    protected override bool SharesGatewayWithClass => false;

    protected override void Configure(JsonObject configuration)
    {
        base.Configure(configuration);
        configuration["OrleansGate"]!["Oidc"] = new JsonArray(Issuer.Options());
    }

    [Fact]
    public async Task The_admin_api_takes_an_approver_s_token_and_names_the_approver_from_its_claims()
    {
        var request = await OpenRequestAsync();

        // In the analysts group only: the request is not its to see, let alone approve (404, as for any outsider).
        var analyst = await Admin(Issuer.Mint("olga", ["analysts"])).PostAsync($"approvals/{request.Id}/approve", null);
        Assert.Equal(HttpStatusCode.NotFound, analyst.StatusCode);

        var approved = await Admin(Issuer.Mint("olga", ["approvers"])).PostAsync($"approvals/{request.Id}/approve", null);
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        var document = await JsonOf(approved);
        Assert.Equal("granted", document.GetProperty("status").GetString());
        Assert.Contains("olga", document.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("expired")]
    [InlineData("wrong-audience")]
    [InlineData("unknown-key")]
    public async Task A_token_that_does_not_verify_gets_401(string kind)
    {
        var token = kind switch
        {
            "expired" => Issuer.Mint("olga", ["approvers"], lifetime: TimeSpan.FromMinutes(-1)),
            "wrong-audience" => Issuer.Mint("olga", ["approvers"], audience: "someone-else"),
            _ => Issuer.Mint("olga", ["approvers"], key: TestIssuer.NewRsaKey("not-published")),
        };

        var response = await Admin(token).GetAsync("approvals");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task The_cli_approves_with_a_token_in_ORLEANSGATE_TOKEN()
    {
        var request = await OpenRequestAsync();

        var approve = await CliAsync(["approvals", "approve", request.Id, "--url", AdminUrl.ToString(), "--reason", "ticket 12"],
            token: Issuer.Mint("olga", ["approvers"]));

        Assert.True(approve.ExitCode == 0, approve.Output);
        Assert.Contains($"approved {request.Id}", approve.StandardOutput, StringComparison.Ordinal);
    }
}
