using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Runtime;
using OrleansGate.Silo.Hosting;
using OrleansGate.Tests.Support;

namespace OrleansGate.Tests.Silo.Cluster;

/// <summary>One silo in Cluster mode, in the test process, built exactly as OrleansGate.Silo builds it.</summary>
public sealed class ClusterSilo : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private ClusterSilo(IHost host, RecordingLoggerProvider log)
    {
        _host = host;
        Log = log;
    }

    public RecordingLoggerProvider Log { get; }

    public IServiceProvider Services => _host.Services;

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public SiloAddress Address => _host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;

    /// <param name="services">Services that replace the gateway's own (registered after them).</param>
    public static async Task<ClusterSilo> StartAsync(JsonObject configuration, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(configuration.ToJsonString())));
        var log = new RecordingLoggerProvider();
        builder.Logging.AddProvider(log);
        SiloHost.AddGateway(builder);
        // Short membership timings: the tests stop silos gracefully, but a silo that does not say
        // goodbye should still be declared dead within seconds, not the production minute.
        builder.Services.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(1);
            o.NumMissedProbesLimit = 2;
            o.NumVotesForDeathDeclaration = 1;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(2);
        });
        services?.Invoke(builder.Services);
        var host = builder.Build();
        try
        {
            await host.StartAsync();
        }
        catch
        {
            // A silo that does not start (the test may expect it) leaves nothing running behind.
            host.Dispose();
            throw;
        }

        return new ClusterSilo(host, log);
    }

    /// <summary>Stops the silo gracefully: it marks itself dead in the membership table and hands nothing over.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _host.StopAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
    }
}
