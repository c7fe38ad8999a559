using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansGate.Proxy.Hosting;
using OrleansGate.Silo.Demo;
using OrleansGate.Silo.Hosting;

// `dotnet run --project src/Silo -c Release -- --config FILE` runs the gateway;
// `... -- demo` provisions PostgreSQL and sample data, then runs it (docs/demo.md).
if (args is ["demo", .. var demoArgs])
{
    return await DemoCommand.RunAsync(demoArgs);
}

if (!GatewayHost.TryParseConfigArgument(args, out var configFile, out var usageError))
{
    Console.Error.WriteLine($"usage: OrleansGate.Silo [--config FILE] | demo\n{usageError}");
    return GatewayHost.ExitUsage;
}

using var host = GatewayHost.TryBuild(() => SiloHost.Build(configFile, configure: null));
return host is null ? GatewayHost.ExitConfigurationError : await GatewayHost.RunAsync(host);
