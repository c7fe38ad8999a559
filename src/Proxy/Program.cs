using OrleansGate.Proxy.Hosting;

// The standalone proxy: `dotnet run --project src/Proxy -c Release -- --config FILE`.
// It takes its decisions from the session grains of a silo cluster, joining it as an Orleans
// client; until cluster mode exists (OrleansGate:Cluster:Mode = Cluster), the proxy runs inside
// OrleansGate.Silo, and this program refuses to run rather than relay statements undecided.
if (!GatewayHost.TryParseConfigArgument(args, out _, out var usageError))
{
    Console.Error.WriteLine($"usage: OrleansGate.Proxy [--config FILE]\n{usageError}");
    return GatewayHost.ExitUsage;
}

Console.Error.WriteLine("OrleansGate:Cluster:Mode: a standalone proxy joins a cluster of silos ('Cluster' mode), which this build " +
                        "does not have yet; run OrleansGate.Silo, which includes the proxy");
return GatewayHost.ExitConfigurationError;
