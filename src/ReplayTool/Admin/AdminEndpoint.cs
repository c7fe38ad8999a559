using System.CommandLine;
using System.Globalization;
using OrleansGate.ReplayTool.Cli;

namespace OrleansGate.ReplayTool.Admin;

/// <summary>
/// Where the admin API is and who is calling it: <c>--url</c>, else <c>OrleansGate:Admin:Listen</c>
/// from <c>--config FILE</c> or the <c>OrleansGate__Admin__Listen</c> environment variable, else
/// <see cref="DefaultListen"/>; the token from <c>--token</c> or <c>ORLEANSGATE_TOKEN</c>.
/// </summary>
public sealed record AdminEndpoint(Uri BaseUrl, string Token)
{
    public const string DefaultListen = "127.0.0.1:6480";
    public const string TokenVariable = "ORLEANSGATE_TOKEN";

    public static AdminEndpoint From(ParseResult parse, GlobalOptions globals)
    {
        var token = parse.GetValue(globals.Token);
        if (string.IsNullOrWhiteSpace(token))
        {
            token = Environment.GetEnvironmentVariable(TokenVariable);
        }

        if (string.IsNullOrWhiteSpace(token))
        {
            throw new CommandFailedException($"no token: give --token TOKEN or set {TokenVariable} (an identity's ApiToken, or a token of a configured OIDC issuer)", ExitCodes.Usage);
        }

        return new AdminEndpoint(ResolveUrl(parse.GetValue(globals.Url), parse.GetValue(globals.Config)), token.Trim());
    }

    private static Uri ResolveUrl(string? url, FileInfo? config)
    {
        if (!string.IsNullOrWhiteSpace(url))
        {
            return Uri.TryCreate(url.TrimEnd('/') + "/", UriKind.Absolute, out var given) && given.Scheme is "http" or "https"
                ? given
                : throw new CommandFailedException($"--url: '{url}' is not an http(s) URL", ExitCodes.Usage);
        }

        var listen = ToolConfiguration.Load(config)["Admin:Listen"];
        listen = string.IsNullOrWhiteSpace(listen) ? DefaultListen : listen.Trim();
        return FromListen(listen) ?? throw new CommandFailedException(
            $"OrleansGate:Admin:Listen: '{listen}' is not host:port; give --url instead", ExitCodes.Usage);
    }

    /// <summary>The URL a client reaches a listen address at: a wildcard host means this machine.</summary>
    public static Uri? FromListen(string listen)
    {
        var colon = listen.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(listen.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) ||
            port is < 1 or > 65535)
        {
            return null;
        }

        var host = listen[..colon] switch
        {
            "*" or "0.0.0.0" => "127.0.0.1",
            "[::]" => "[::1]",
            var h => h,
        };
        return Uri.TryCreate($"http://{host}:{port}/", UriKind.Absolute, out var uri) ? uri : null;
    }
}
