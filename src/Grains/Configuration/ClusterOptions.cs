using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansGate.Grains.Sessions.Live;

namespace OrleansGate.Grains.Configuration;

/// <summary>
/// How this process takes part in the gateway (<c>OrleansGate:Cluster</c>). Shared by the silo
/// and the standalone proxy, which must agree on the cluster id and the clustering database.
/// </summary>
public sealed class ClusterOptions
{
    public const string Section = "OrleansGate:Cluster";
    public const string AllInOneMode = "AllInOne";
    public const string ClusterMode = "Cluster";

    /// <summary>
    /// Orleans service id: names the grain state of this gateway (approvals, windows, the index),
    /// whatever the cluster's id. Gateways that share one database for grain state but are not one
    /// gateway need different ones.
    /// </summary>
    public string ServiceId { get; set; } = "orleansgate";

    /// <summary>
    /// <c>AllInOne</c>: silo, proxy and admin API in one process, localhost clustering (the default).
    /// <c>Cluster</c>: this process is one silo (or one standalone proxy) of a cluster that meets in
    /// the database named by <see cref="ConnectionString"/>.
    /// </summary>
    public string Mode { get; set; } = AllInOneMode;

    /// <summary>Orleans silo-to-silo port; 0 picks a free one (tests).</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Orleans client gateway port, for standalone proxies (Cluster mode; an all-in-one gateway takes no Orleans clients); 0 picks a free one.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Orleans cluster id: silos and proxies with the same id form one gateway.</summary>
    public string ClusterId { get; set; } = "orleansgate";

    /// <summary>Cluster mode: the PostgreSQL database where silos register and grain state is kept.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Cluster mode: the IP address (or a host name resolving to it) other silos and proxies reach
    /// this silo at, and the one it listens on. Unset: the address the machine's host name resolves to.
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>Mutual TLS between silos and proxies (required in Cluster mode).</summary>
    public ClusterTlsOptions Tls { get; set; } = new();

    /// <summary>Standalone proxy: how long it keeps trying to reach a silo at start-up before it gives up.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How often each proxy renews its subscription to the session directory. The proxy sends it
    /// with every renewal and the directory keeps the subscription for
    /// <see cref="SessionDirectory.LeaseFor"/> of it, so a killed proxy is known dead that much
    /// later; the sweeper's shortest grace grows with it. Silos and proxies of one gateway set the same value.
    /// </summary>
    public TimeSpan DirectoryRenewal { get; set; } = SessionDirectory.DefaultRenewEvery;

    public bool IsCluster => Mode == ClusterMode;

    /// <summary>
    /// <see cref="AdvertisedAddress"/> as an IP address: as given, or what the host name resolves
    /// to (its first IPv4 address; a container's own name in Docker Compose or Kubernetes). Null
    /// when unset or when it does not resolve.
    /// </summary>
    public IPAddress? AdvertisedIPAddress()
    {
        if (string.IsNullOrEmpty(AdvertisedAddress))
        {
            return null;
        }

        if (IPAddress.TryParse(AdvertisedAddress, out var address))
        {
            return address;
        }

        try
        {
            var addresses = Dns.GetHostAddresses(AdvertisedAddress);
            return addresses.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
        }
        catch (System.Net.Sockets.SocketException)
        {
            return null;
        }
    }

    /// <summary>
    /// The connection string given to Orleans' ADO.NET providers, with the session time zone pinned
    /// to UTC: they pass UTC times and the schema keeps timestamptz, so no conversion then depends
    /// on the server's TimeZone setting.
    /// </summary>
    public string ProviderConnectionString() => WithUtcTimeZone(ConnectionString);

    /// <summary>The connection string with the session time zone pinned to UTC (see <see cref="ProviderConnectionString"/>).</summary>
    public static string WithUtcTimeZone(string? connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Timezone = "UTC" }.ConnectionString;
}

/// <summary>
/// Checks <c>OrleansGate:Cluster</c>. A standalone proxy passes <c>requireCluster</c>: it has no
/// silo of its own, so without a cluster to join it could decide nothing (fail closed).
/// </summary>
public sealed class ClusterOptionsValidator(IConfiguration configuration, bool requireCluster = false) : IValidateOptions<ClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        var failures = StrictBinding.Section(configuration, ClusterOptions.Section, typeof(ClusterOptions)).ToList();
        if (failures.Count == 0)
        {
            ValidatePorts(options, failures);
            ValidateMode(options, failures);
            if (options.DirectoryRenewal < SessionDirectory.ShortestRenewEvery || options.DirectoryRenewal > SessionDirectory.LongestRenewEvery)
            {
                failures.Add($"{ClusterOptions.Section}:DirectoryRenewal: must be between {SessionDirectory.ShortestRenewEvery} and " +
                             $"{SessionDirectory.LongestRenewEvery} (got {options.DirectoryRenewal})");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidatePorts(ClusterOptions options, List<string> failures)
    {
        foreach (var (key, port) in new[] { ("SiloPort", options.SiloPort), ("GatewayPort", options.GatewayPort) })
        {
            if (port is < 0 or > 65535)
            {
                failures.Add($"{ClusterOptions.Section}:{key}: must be between 0 and 65535 (got {port})");
            }
        }

        if (string.IsNullOrWhiteSpace(options.ClusterId))
        {
            failures.Add($"{ClusterOptions.Section}:ClusterId: is required");
        }
    }

    private void ValidateMode(ClusterOptions options, List<string> failures)
    {
        switch (options.Mode)
        {
            case ClusterOptions.AllInOneMode when requireCluster:
                failures.Add($"{ClusterOptions.Section}:Mode: a standalone proxy joins a cluster of silos: set 'Cluster' " +
                             "(and ConnectionString), or run OrleansGate.Silo, which includes the proxy");
                break;
            case ClusterOptions.AllInOneMode:
                break;
            case ClusterOptions.ClusterMode:
                ValidateCluster(options, failures);
                break;
            default:
                failures.Add($"{ClusterOptions.Section}:Mode: must be AllInOne or Cluster (got '{options.Mode}')");
                break;
        }
    }

    private static void ValidateCluster(ClusterOptions options, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add($"{ClusterOptions.Section}:ConnectionString: is required in Cluster mode (the database where silos " +
                         "meet, e.g. Host=127.0.0.1;Database=og_cluster;Username=og;Password=…)");
        }
        else
        {
            try
            {
                _ = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            }
            catch (ArgumentException e)
            {
                failures.Add($"{ClusterOptions.Section}:ConnectionString: not a valid connection string ({e.Message.ReplaceLineEndings(" ")})");
            }
        }

        if (options.AdvertisedAddress is { Length: > 0 } address && options.AdvertisedIPAddress() is null)
        {
            failures.Add($"{ClusterOptions.Section}:AdvertisedAddress: '{address}' is neither an IP address nor a host name that resolves to one");
        }

        if (options.ConnectTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{ClusterOptions.Section}:ConnectTimeout: must be positive");
        }

        try
        {
            _ = ClusterCertificates.Load(options.Tls);
        }
        catch (ClusterCertificateException e)
        {
            failures.Add(e.Message);
        }
    }
}
