using Microsoft.AspNetCore.Http;
using OrleansGate.Grains.Approvals;

namespace OrleansGate.Silo.Admin;

/// <summary>
/// The endpoint filter in front of everything but <c>/healthz</c>: <c>Authorization: Bearer
/// &lt;ApiToken&gt;</c> or 401. The identity it finds acts on the request.
/// </summary>
public sealed class AdminAuthentication(ApiTokenAuthenticator authenticator) : IEndpointFilter
{
    private const string ApproverKey = "OrleansGate.Approver";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var token = ApiTokenAuthenticator.BearerToken(http.Request.Headers.Authorization);
        if (token is null || authenticator.Authenticate(token) is not { } approver)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return AdminResults.Error(StatusCodes.Status401Unauthorized,
                token is null ? "an Authorization: Bearer <ApiToken> header is required" : "the token is not valid");
        }

        http.Items[ApproverKey] = approver;
        return await next(context).ConfigureAwait(false);
    }

    /// <summary>The identity the request was authenticated as.</summary>
    public static Approver Approver(HttpContext context) =>
        context.Items[ApproverKey] as Approver ?? throw new InvalidOperationException("The request was not authenticated.");
}
