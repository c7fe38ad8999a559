using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OrleansGate.Proxy.Configuration;
using OrleansGate.Proxy.Hosting;

namespace OrleansGate.Proxy.Telemetry;

/// <summary>
/// The proxy's HTTP listener for operators' tools (<c>OrleansGate:Proxy:HealthListen</c>):
/// <see cref="OperatorEndpoints"/> and nothing else. Not started when the key is empty.
/// </summary>
public sealed partial class HealthServer(IOptions<ProxyOptions> options, IEnumerable<IReadinessCheck> checks, IServiceProvider services,
    IHostApplicationLifetime lifetime, ILogger<HealthServer> logger) : IHostedService, IAsyncDisposable
{
    private readonly EndpointServer _server = new();

    /// <summary>The address bound (useful with port 0); null when not listening.</summary>
    public Uri? Address => _server.Address;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(options.Value.HealthListen))
        {
            return;
        }

        var app = EndpointServer.CreateBuilder("OrleansGate.Health", options.Value.HealthListen!).Build();
        OperatorEndpoints.Map(app, () => !lifetime.ApplicationStopping.IsCancellationRequested, checks, services.GetService<MeterProvider>());
        await _server.StartAsync(app, cancellationToken).ConfigureAwait(false);
        LogListening(logger, Address!);
    }

    public Task StopAsync(CancellationToken cancellationToken) => _server.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    [LoggerMessage(Level = LogLevel.Information, Message = "OrleansGate health listener on {Address} (/healthz, /readyz, /metrics)")]
    private static partial void LogListening(ILogger logger, Uri address);
}
