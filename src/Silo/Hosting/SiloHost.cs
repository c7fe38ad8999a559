using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansGate.Proxy.Hosting;

namespace OrleansGate.Silo.Hosting;

/// <summary>Builds the all-in-one gateway process from configuration.</summary>
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
        builder.Services.AddOptions<ClusterOptions>().Bind(builder.Configuration.GetSection(ClusterOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ClusterOptions>>(new ClusterOptionsValidator(builder.Configuration));
        builder.Services.AddOrleansGateProxy(builder.Configuration);
        return builder.Build();
    }
}
