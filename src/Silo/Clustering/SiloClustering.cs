using OrleansGate.Grains.Approvals;
using System.Net;
using System.Net.Sockets;
using Orleans.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OrleansGate.Grains.Configuration;
using ClusterOptions = OrleansGate.Grains.Configuration.ClusterOptions;

namespace OrleansGate.Silo.Clustering;

/// <summary>How a silo finds the others: on its own (AllInOne) or through the cluster database.</summary>
public static class SiloClustering
{
    /// <summary>The Npgsql ADO.NET invariant name the providers load their connection factory by.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>The grain storage the approvals work keeps its state in.</summary>
    public const string ApprovalsStorage = Grains.Approvals.ApprovalGrain.Storage;

    /// <param name="allInOneStorage">
    /// AllInOne: the connection string of the database grain state is kept in (the audit
    /// database), read when the silo starts.
    /// </param>
    public static void Configure(ISiloBuilder silo, ClusterOptions cluster, Func<string> allInOneStorage)
    {
        Secure(silo, cluster.IsCluster);
        if (!cluster.IsCluster)
        {
            // No gateway: the proxy of an all-in-one gateway calls its grains in-process, so no
            // Orleans client has anything to connect to. The silo port listens on loopback only.
            silo.UseLocalhostClustering(
                siloPort: PortOrFree(cluster.SiloPort),
                gatewayPort: 0,
                serviceId: cluster.ServiceId,
                clusterId: cluster.ClusterId);
            // Held requests must survive a restart in this mode too: the same ADO.NET storage as in
            // a cluster, in the audit database (the schema is applied there at start-up).
            silo.AddAdoNetGrainStorage(ApprovalsStorage, o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = ClusterOptions.WithUtcTimeZone(allInOneStorage());
                o.GrainStorageSerializer = new ApprovalStorageSerializer();
            });
            return;
        }

        // Everything below reads the options lazily: a bad value must reach the validator (one line
        // naming the key), not throw while the host is being put together.
        silo.Configure<Orleans.Configuration.ClusterOptions>(o =>
        {
            o.ClusterId = cluster.ClusterId;
            o.ServiceId = cluster.ServiceId;
        });
        silo.Configure<EndpointOptions>(o =>
        {
            // Unset, Orleans advertises the address the host name resolves to.
            if (cluster.AdvertisedIPAddress() is { } address)
            {
                o.AdvertisedIPAddress = address;
            }

            o.SiloPort = PortOrFree(cluster.SiloPort);
            o.GatewayPort = PortOrFree(cluster.GatewayPort);
        });
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = cluster.ProviderConnectionString();
        });
        silo.AddAdoNetGrainStorage(ApprovalsStorage, o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = cluster.ProviderConnectionString();
            o.GrainStorageSerializer = new ApprovalStorageSerializer();
        });
    }

    /// <summary>
    /// Mutual TLS on every Orleans connection: silo to silo, proxy to silo. A cluster uses the
    /// configured certificate (loaded after validation, which names a bad key in one line); an
    /// all-in-one gateway one it makes at start-up and trusts alone.
    /// </summary>
    private static void Secure(ISiloBuilder silo, bool cluster)
    {
        silo.Services.AddSingleton(sp => cluster
            ? ClusterCertificates.Load(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ClusterOptions>>().Value.Tls)
            : ClusterCertificates.Ephemeral());
        silo.Services.AddOptions<SiloConnectionOptions>().Configure<ClusterCertificates>((o, certificates) =>
        {
            var tls = Proxy.Cluster.ClusterTls.Options(certificates);
            o.ConfigureSiloInboundConnection(connection => connection.UseServerTls(tls));
            o.ConfigureGatewayInboundConnection(connection => connection.UseServerTls(tls));
            o.ConfigureSiloOutboundConnection(connection => connection.UseClientTls(tls));
        });
    }

    // Orleans must advertise a real port, so "0" (tests) is turned into a free one here.
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
