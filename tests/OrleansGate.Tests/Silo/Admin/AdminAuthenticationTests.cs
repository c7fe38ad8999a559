using System.Net;
using System.Net.Http.Headers;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Admin;

/// <summary>Only /healthz answers without a token; a missing, wrong or non-bearer token gets 401 and is never logged.</summary>
public sealed class AdminAuthenticationTests(PostgresFixture postgres) : AdminTestBase(postgres)
{
    [Fact]
    public async Task Healthz_answers_ok_without_a_token()
    {
        var response = await Admin(token: null).GetAsync("healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/approvals")]
    [InlineData("/approvals/ap-000000000000")]
    [InlineData("/sessions")]
    [InlineData("/sessions/0123456789abcdef0123456789abcdef/timeline")]
    [InlineData("/policies")]
    [InlineData("/console/me")]
    public async Task Every_other_endpoint_refuses_a_request_without_a_token(string path)
    {
        var response = await Admin(token: null).GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task A_wrong_token_a_prefix_of_a_real_one_and_another_scheme_are_refused()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await Admin("not-a-token-of-anyone").GetAsync("approvals")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Admin(BobToken[..^1]).GetAsync("approvals")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Admin(BobToken + "x").GetAsync("approvals")).StatusCode);
        var basic = Admin(token: null);
        basic.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", BobToken);
        Assert.Equal(HttpStatusCode.Unauthorized, (await basic.GetAsync("approvals")).StatusCode);
        var deny = await Admin("wrong-token-0000000").PostAsync("approvals/ap-000000000000/deny", null);
        Assert.Equal(HttpStatusCode.Unauthorized, deny.StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await Admin(BobToken).GetAsync("approvals")).StatusCode);
        Assert.DoesNotContain(Gateway.Log.Entries, e => e.Message.Contains("token-0", StringComparison.Ordinal));
    }
}
