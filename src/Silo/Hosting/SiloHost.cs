using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansGate.Grains.Audit;
using OrleansGate.Proxy.Hosting;

namespace OrleansGate.Silo.Hosting;

/// <summary>Builds the all-in-one gateway process: an Orleans silo, the audit writer and the proxy.</summary>
public static class SiloHost
{
    public static IHost Build(string? configFile, Action<IConfigurationBuilder>? configure)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "OrleansGate.Silo" });
        GatewayHost.AddGatewayConfiguration(builder.Configuration, configFile);
        configure?.Invoke(builder.Configuration);
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        AddGateway(builder);
        return builder.Build();
    }

    /// <summary>Everything an all-in-one gateway runs, in start order: silo, audit schema, proxy.</summary>
    public static void AddGateway(HostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.AddOptions<ClusterOptions>().Bind(configuration.GetSection(ClusterOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ClusterOptions>>(new ClusterOptionsValidator(configuration));
        AddAuditStore(builder.Services, configuration);
        builder.Services.AddSingleton<Grains.Policy.PolicyStore>();

        var cluster = configuration.GetSection(ClusterOptions.Section).Get<ClusterOptions>() ?? new ClusterOptions();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(
                siloPort: PortOrFree(cluster.SiloPort),
                gatewayPort: PortOrFree(cluster.GatewayPort),
                serviceId: "orleansgate",
                clusterId: cluster.ClusterId);
        });
        builder.Services.AddOrleansGateProxy(configuration);
    }

    private static void AddAuditStore(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuditStoreOptions>().Bind(configuration.GetSection(AuditStoreOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuditStoreOptions>>(new AuditStoreOptionsValidator(configuration));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => AuditStore.Create(sp.GetRequiredService<IOptions<AuditStoreOptions>>().Value));
        services.AddSingleton<Marten.IDocumentStore>(sp => sp.GetRequiredService<Marten.DocumentStore>());
        services.AddSingleton(sp => new MartenAuditLog(sp.GetRequiredService<Marten.IDocumentStore>(),
            sp.GetRequiredService<IOptions<AuditStoreOptions>>().Value, sp.GetRequiredService<ILogger<MartenAuditLog>>()));
        services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<MartenAuditLog>());
        services.AddHostedService<AuditSchema>();
    }

    private static int PortOrFree(int port)
    {
        if (port != 0)
        {
            return port;
        }

        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
