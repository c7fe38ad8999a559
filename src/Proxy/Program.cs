using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansGate.Proxy.Cluster;
using OrleansGate.Proxy.Hosting;

// The standalone proxy: `dotnet run --project src/Proxy -c Release -- --config FILE`.
// It joins a cluster of silos (OrleansGate:Cluster:Mode = Cluster) as an Orleans client and takes
// every decision from their session grains; it listens for clients only once connected.
if (!GatewayHost.TryParseConfigArgument(args, out var configFile, out var usageError))
{
    Console.Error.WriteLine($"usage: OrleansGate.Proxy [--config FILE]\n{usageError}");
    return GatewayHost.ExitUsage;
}

using var host = GatewayHost.TryBuild(() =>
{
    var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "OrleansGate.Proxy" });
    GatewayHost.AddGatewayConfiguration(builder.Configuration, configFile);
    builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
    builder.Logging.AddSimpleConsole(o =>
    {
        o.SingleLine = true;
        o.TimestampFormat = "HH:mm:ss ";
    });
    // The client first: its hosted service connects before the proxy's listener starts.
    ProxyClusterClient.AddClusterClient(builder);
    // Then the policy version in force (read from the cluster database, followed from then on), before the listener.
    ProxyClusterClient.AddPolicyVersions(builder.Services);
    builder.Services.AddOrleansGateProxy(builder.Configuration);
    return builder.Build();
});
if (host is null)
{
    return GatewayHost.ExitConfigurationError;
}

try
{
    return await GatewayHost.RunAsync(host);
}
#pragma warning disable CA1031 // Not reaching the cluster in time ends the proxy with one line, not a stack trace.
catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
{
    Console.Error.WriteLine($"cluster error: {OrleansGate.Grains.Configuration.ClusterOptions.Section}: could not join the cluster: {e.Message}");
    return GatewayHost.ExitConfigurationError;
}
