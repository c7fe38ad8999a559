using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using OrleansGate.Grains.Approvals;

namespace OrleansGate.Silo.Admin.Console;

/// <summary>
/// The web console (docs/console.md): its page, script and style, all served from this assembly
/// (nothing from elsewhere, a Content-Security-Policy of 'self'), and its sign-in. Everything the
/// page does afterwards is the admin API itself, authenticated by the console's cookie.
/// </summary>
public static partial class ConsoleEndpoints
{
    private static readonly Dictionary<string, (string Resource, string ContentType)> Assets = new(StringComparer.Ordinal)
    {
        // Routing ignores a trailing slash: /console and /console/ are this page.
        ["/console"] = ("console.index.html", "text/html; charset=utf-8"),
        ["/console/app.js"] = ("console.app.js", "text/javascript; charset=utf-8"),
        ["/console/app.css"] = ("console.app.css", "text/css; charset=utf-8"),
        ["/console/policy-versions.js"] = ("console.policy-versions.js", "text/javascript; charset=utf-8"),
        ["/console/charts.js"] = ("console.charts.js", "text/javascript; charset=utf-8"),
        ["/console/history.js"] = ("console.history.js", "text/javascript; charset=utf-8"),
        ["/console/audit.js"] = ("console.audit.js", "text/javascript; charset=utf-8"),
    };

    /// <summary>The request body of <c>POST /console/signin</c>.</summary>
    public sealed record SignInBody(string? Token);

    /// <summary>
    /// Who is signed in, and the CSRF token the page sends with every change. <see cref="Auditor"/>:
    /// reads every session's record and the audit views (administrators and auditors).
    /// </summary>
    public sealed record Me(string Identity, IReadOnlyList<string> Groups, bool Admin, string? Csrf, bool Auditor)
    {
        /// <summary>May record policy versions (administrators and Admin:PolicyEditorGroups): the console shows the editor.</summary>
        public bool PolicyEditor { get; init; }
    }

    public static void Map(IEndpointRouteBuilder app, RouteGroupBuilder api, ConsoleSession sessions, AdminAuthentication authentication,
        AdminAccess access, ILogger logger)
    {
        foreach (var (path, (resource, contentType)) in Assets)
        {
            var bytes = Read(resource);
            app.MapGet(path, (HttpContext context) =>
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers.CacheControl = "no-store";
                return Results.Bytes(bytes, contentType);
            });
        }

        app.MapPost("/console/signin", async (SignInBody? body, HttpContext context) =>
        {
            var token = body?.Token?.Trim();
            var (who, expires, viaOidc) = string.IsNullOrEmpty(token)
                ? (null, null, false)
                : await authentication.FromTokenAsync(token, context.RequestAborted).ConfigureAwait(false);

            if (who is null)
            {
                LogSignInRefused(logger, context.Connection.RemoteIpAddress?.ToString() ?? "?");
                return AdminResults.Error(StatusCodes.Status401Unauthorized, "the token is not valid");
            }

            var cookie = sessions.Issue(who, viaOidc, expires);
            context.Response.Cookies.Append(ConsoleSession.CookieName, cookie, ConsoleSession.CookieOptions(context.Request));
            LogSignedIn(logger, who.Identity, viaOidc ? "OIDC token" : "API token");
            return Results.Ok(new Me(who.Identity, who.Groups, access.IsAdmin(who), sessions.CsrfOf(cookie), access.ReadsEverything(who)) { PolicyEditor = access.MayEditPolicies(who) });
        });

        app.MapPost("/console/signout", (HttpContext context) =>
        {
            context.Response.Cookies.Delete(ConsoleSession.CookieName, ConsoleSession.CookieOptions(context.Request));
            return Results.NoContent();
        });

        api.MapGet("/console/me", (HttpContext context) =>
        {
            var who = AdminAuthentication.Approver(context);
            var cookie = context.Request.Cookies[ConsoleSession.CookieName];
            return Results.Ok(new Me(who.Identity, who.Groups, access.IsAdmin(who), cookie is null ? null : sessions.CsrfOf(cookie), access.ReadsEverything(who))
            {
                PolicyEditor = access.MayEditPolicies(who),
            });
        });
    }

    private static byte[] Read(string resource)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"the console's {resource} is missing from the build");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Console: {Identity} signed in with an {Kind}")]
    private static partial void LogSignedIn(ILogger logger, string identity, string kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Console: a sign-in from {Remote} with a token that is not valid was refused")]
    private static partial void LogSignInRefused(ILogger logger, string remote);
}
