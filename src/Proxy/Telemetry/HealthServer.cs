using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OrleansGate.Proxy.Configuration;

namespace OrleansGate.Proxy.Telemetry;

/// <summary>
/// The proxy's HTTP listener for operators' tools (<c>OrleansGate:Proxy:HealthListen</c>):
/// <see cref="OperatorEndpoints"/> and nothing else. Not started when the key is empty.
/// </summary>
public sealed partial class HealthServer(IOptions<ProxyOptions> options, IEnumerable<IReadinessCheck> checks, IServiceProvider services,
    IHostApplicationLifetime lifetime, ILogger<HealthServer> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The address bound (useful with port 0); null when not listening.</summary>
    public Uri? Address { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(options.Value.HealthListen))
        {
            return;
        }

        ListenAddress.TryParse(options.Value.HealthListen, out var endPoint);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "OrleansGate.Health" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(endPoint);
        });
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        OperatorEndpoints.Map(app, () => !lifetime.ApplicationStopping.IsCancellationRequested, checks, services.GetService<MeterProvider>());
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        LogListening(logger, Address);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "OrleansGate health listener on {Address} (/healthz, /readyz, /metrics)")]
    private static partial void LogListening(ILogger logger, Uri address);
}
