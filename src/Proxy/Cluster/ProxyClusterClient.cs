using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OrleansGate.Grains.Configuration;

namespace OrleansGate.Proxy.Cluster;

/// <summary>
/// The standalone proxy's link to the silos: an Orleans client that finds the silos' gateways in
/// the cluster database (the same ADO.NET clustering the silos register in) and gives the proxy
/// its <see cref="IGrainFactory"/>.
/// </summary>
public static class ProxyClusterClient
{
    /// <summary>The Npgsql ADO.NET invariant name the clustering provider loads its connection factory by.</summary>
    public const string Invariant = "Npgsql";

    public static void AddClusterClient(HostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.AddOptions<ClusterOptions>().Bind(configuration.GetSection(ClusterOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ClusterOptions>>(new ClusterOptionsValidator(configuration, requireCluster: true));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ClusterClientConnection>();

        // Options are read lazily, after validation: a bad value is reported as one line, not thrown here.
        builder.UseOrleansClient(client =>
        {
            client.Services.AddOptions<Orleans.Configuration.ClusterOptions>().Configure<IOptions<ClusterOptions>>((o, cluster) =>
            {
                o.ClusterId = cluster.Value.ClusterId;
                o.ServiceId = cluster.Value.ServiceId;
            });
            client.UseAdoNetClustering(o => o.Invariant = Invariant);
            client.Services.AddOptions<Orleans.Configuration.AdoNetClusteringClientOptions>()
                .Configure<IOptions<ClusterOptions>>((o, cluster) => o.ConnectionString = cluster.Value.ProviderConnectionString());
            client.Services.AddSingleton<IClientConnectionRetryFilter>(sp => sp.GetRequiredService<ClusterClientConnection>());
            // Mutual TLS to the silos' gateways, with the certificate the silos trust (loaded after validation).
            client.Services.AddOptions<Orleans.Configuration.ClientConnectionOptions>().Configure<IOptions<ClusterOptions>>((o, cluster) =>
            {
                var tls = ClusterTls.Options(ClusterCertificates.Load(cluster.Value.Tls));
                o.ConfigureConnection(connection => connection.UseClientTls(tls));
            });
        });
    }

    /// <summary>
    /// The proxy follows the silos' policy versions (docs/policies.md#versions): it hears new ones
    /// on the cluster database's notification channel, and takes each from a silo
    /// (<see cref="Grains.Policy.Versions.IPolicyVersionGrain"/>), which checked its seal: the proxy
    /// holds no <c>Secrets:AuditKey</c>, so it cannot check a row itself, and never acts on one a
    /// silo did not verify. It records none (recording needs the audit store, which only silos hold).
    /// </summary>
    public static void AddPolicyVersions(IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var cluster = sp.GetRequiredService<IOptions<ClusterOptions>>().Value;
            return new Grains.Policy.Versions.PolicyVersionStore(cluster.ConnectionString!, cluster.ServiceId);
        });
        services.AddSingleton(sp => new Grains.Policy.Versions.PolicyVersionFollower(
            sp.GetRequiredService<Grains.Policy.Versions.PolicyVersionStore>(), new SiloPolicyVersions(sp.GetRequiredService<IGrainFactory>()),
            sp.GetRequiredService<GatewayConfiguration>(), recorder: null, $"{ClusterOptions.Section}:ConnectionString",
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<Grains.Policy.Versions.PolicyVersionFollower>>()));
        services.AddHostedService(sp => sp.GetRequiredService<Grains.Policy.Versions.PolicyVersionFollower>());
    }
}
