using System.Net;
using System.Net.Sockets;
using Orleans.Configuration;
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
        if (!cluster.IsCluster)
        {
            silo.UseLocalhostClustering(
                siloPort: PortOrFree(cluster.SiloPort),
                gatewayPort: PortOrFree(cluster.GatewayPort),
                serviceId: cluster.ServiceId,
                clusterId: cluster.ClusterId);
            // Held requests must survive a restart in this mode too: the same ADO.NET storage as in
            // a cluster, in the audit database (the schema is applied there at start-up).
            silo.AddAdoNetGrainStorage(ApprovalsStorage, o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = ClusterOptions.WithUtcTimeZone(allInOneStorage());
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
            if (cluster.AdvertisedAddress is { Length: > 0 } address)
            {
                o.AdvertisedIPAddress = IPAddress.Parse(address);
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
