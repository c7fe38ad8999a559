using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using OrleansGate.Proxy.Configuration;

namespace OrleansGate.Proxy.Hosting;

/// <summary>
/// A small Kestrel server on one address for the gateway's own HTTP endpoints (the admin API, the
/// proxy's health listener): no server header, routing only, started and stopped with its host.
/// </summary>
public sealed class EndpointServer : IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The address bound, with a wildcard shown as loopback (useful with port 0); null until started.</summary>
    public Uri? Address { get; private set; }

    /// <summary>A builder for an application listening on <paramref name="listen"/> (host:port, already validated).</summary>
    public static WebApplicationBuilder CreateBuilder(string applicationName, string listen)
    {
        ListenAddress.TryParse(listen, out var endPoint);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = applicationName });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(endPoint);
        });
        builder.Services.AddRoutingCore();
        return builder;
    }

    public async Task StartAsync(WebApplication app, CancellationToken cancellationToken)
    {
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Address = new Uri(bound.Replace("[::]", "[::1]", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is { } app)
        {
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _app, null) is { } app)
        {
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
