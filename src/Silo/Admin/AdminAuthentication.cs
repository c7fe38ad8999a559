using Microsoft.AspNetCore.Http;
using OrleansGate.Grains.Approvals;
using OrleansGate.Proxy.Authentication.Tokens;

namespace OrleansGate.Silo.Admin;

/// <summary>
/// The endpoint filter in front of everything but <c>/healthz</c>: <c>Authorization: Bearer
/// &lt;ApiToken&gt;</c>, or a token of a configured OIDC issuer (the identity its name claim
/// names, with the groups of its claims), or 401. The identity it finds acts on the request.
/// </summary>
public sealed class AdminAuthentication(ApiTokenAuthenticator authenticator, TokenAuthenticator tokens, Console.ConsoleSession? console = null)
    : IEndpointFilter
{
    private const string ApproverKey = "OrleansGate.Approver";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var token = ApiTokenAuthenticator.BearerToken(http.Request.Headers.Authorization);
        var approver = token is null ? null : (await FromTokenAsync(token, http.RequestAborted).ConfigureAwait(false)).Who;
        if (token is null && console is not null && http.Request.Cookies[Console.ConsoleSession.CookieName] is { } cookie
            && console.Read(cookie) is { } signedIn)
        {
            // The console: its cookie signs the identity in; a change also needs the cookie's CSRF token.
            if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method) && !console.HasCsrf(http.Request, cookie))
            {
                return AdminResults.Error(StatusCodes.Status403Forbidden, $"a console request that changes something needs the {Console.ConsoleSession.CsrfHeader} header");
            }

            approver = signedIn;
        }

        if (approver is null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return AdminResults.Error(StatusCodes.Status401Unauthorized,
                token is null ? "an Authorization: Bearer <ApiToken or OIDC token> header is required" : "the token is not valid");
        }

        http.Items[ApproverKey] = approver;
        return await next(context).ConfigureAwait(false);
    }

    /// <summary>
    /// Who a bearer token (the API's, or the console's sign-in) is: an identity's ApiToken, else a
    /// token of a configured OIDC issuer (with its expiry); no one when neither verifies.
    /// </summary>
    public async Task<(Approver? Who, DateTimeOffset? Expires, bool ViaOidc)> FromTokenAsync(string token, CancellationToken cancellationToken)
    {
        if (authenticator.Authenticate(token) is { } configured)
        {
            return (configured, null, false);
        }

        if (!tokens.Enabled)
        {
            return (null, null, false);
        }

        var (login, _) = await tokens.AuthenticateBearerAsync(token, cancellationToken).ConfigureAwait(false);
        return login is null ? (null, null, false) : (new Approver(login.Identity.Name, login.Identity.Groups.ToList()), login.Token.ExpiresAt, true);
    }

    /// <summary>The identity the request was authenticated as.</summary>
    public static Approver Approver(HttpContext context) =>
        context.Items[ApproverKey] as Approver ?? throw new InvalidOperationException("The request was not authenticated.");
}
