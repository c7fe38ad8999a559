using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansGate.Proxy.Hosting;
using OrleansGate.Silo.Hosting;

// `dotnet run --project src/Silo -c Release -- --config FILE` runs the gateway (the demo, which
// provisions PostgreSQL and sample data first, is its own program: src/Demo, scripts/demo.sh).
if (!GatewayHost.TryParseConfigArgument(args, out var configFile, out var usageError))
{
    Console.Error.WriteLine($"usage: OrleansGate.Silo [--config FILE]\n{usageError}");
    return GatewayHost.ExitUsage;
}

using var host = GatewayHost.TryBuild(() => SiloHost.Build(configFile, configure: null));
return host is null ? GatewayHost.ExitConfigurationError : await GatewayHost.RunAsync(host);
