using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OrleansGate.Grains.Configuration;
using OrleansGate.Proxy.Authentication;
using OrleansGate.Proxy.Cancellation;
using OrleansGate.Proxy.Configuration;

namespace OrleansGate.Proxy.Hosting;

public static class ProxyServiceCollectionExtensions
{
    /// <summary>Registers the proxy listener, its options (validated at start-up) and what it needs.</summary>
    public static IServiceCollection AddOrleansGateProxy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ProxyOptions>().Bind(configuration.GetSection(ProxyOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ProxyOptions>>(new ProxyOptionsValidator(configuration));
        services.AddGatewayOptions(configuration);
        services.AddSingleton<IdentityDirectory>();
        services.AddSingleton<CancelRegistry>();
        services.AddSingleton<CancelForwarder>();
        services.AddSingleton(sp => new Sql.SqlParser(sp.GetRequiredService<IOptions<ProxyOptions>>().Value.ParseCacheEntries));
        services.AddSingleton<Decisions.SessionDeciderFactory>();
        services.AddSingleton<Masking.MaskingCatalogs>();
        services.AddSingleton<Masking.ResultMaskingFactory>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<Sessions.LiveSessions>();
        services.AddSingleton<Approvals.HeldStatements>();
        services.AddSingleton<ProxyServer>();
        services.AddHostedService(sp => sp.GetRequiredService<ProxyServer>());
        // After the listener (hosted services start in order): the directory can list this proxy's sessions and end one.
        services.AddHostedService<Sessions.SessionDirectoryLink>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Telemetry.IReadinessCheck, Telemetry.ListenerReadiness>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Telemetry.IReadinessCheck, Telemetry.ClusterReadiness>());
        services.AddSingleton<Telemetry.HealthServer>();
        services.AddHostedService(sp => sp.GetRequiredService<Telemetry.HealthServer>());
        return services;
    }

    /// <summary>
    /// Identities, targets and policies, validated at start-up and read through the one snapshot in
    /// force (<see cref="GatewayConfiguration"/>): the proxy authenticates with them and the session
    /// grains decide with them, so a silo without a proxy needs them too.
    /// </summary>
    public static IServiceCollection AddGatewayOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GatewayOptions>().Bind(configuration.GetSection(GatewayOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>>(new GatewayOptionsValidator(configuration));
        services.AddSingleton<IValidateOptions<GatewayOptions>, IdentityCredentialsValidator>();
        services.TryAddSingleton<GatewayConfiguration>();
        services.AddMetrics();
        services.TryAddSingleton<Grains.Telemetry.GatewayMetrics>();
        if (!services.Any(d => d.ServiceType == typeof(IValidateOptions<Telemetry.TelemetryOptions>)))
        {
            Telemetry.GatewayTelemetry.AddGatewayTelemetry(services, configuration);
        }

        // Tokens of the OIDC issuers: client logins and the admin API's bearer tokens. Its own
        // HttpClient: reading an issuer's keys is the only outgoing HTTP of the proxy.
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new Authentication.Tokens.TokenAuthenticator(sp.GetRequiredService<GatewayConfiguration>(),
            new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Grains.Telemetry.GatewayMetrics>()));
        return services;
    }
}
