using OrleansGate.Grains.Approvals;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansGate.Grains.Audit;
using OrleansGate.Grains.Audit.Chain;
using OrleansGate.Grains.Catalog;
using OrleansGate.Grains.Configuration;
using OrleansGate.Grains.Policy.Versions;
using OrleansGate.Grains.Sessions.Sweeping;
using OrleansGate.Proxy.Hosting;
using OrleansGate.Silo.Admin;
using OrleansGate.Silo.Clustering;

namespace OrleansGate.Silo.Hosting;

/// <summary>Builds the all-in-one gateway process: an Orleans silo, the audit writer and the proxy.</summary>
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
        AddGateway(builder);
        return builder.Build();
    }

    /// <summary>
    /// Everything the gateway process runs, in start order: audit schema, (in Cluster mode) the
    /// cluster schema, the silo, and (in AllInOne mode) the proxy. In Cluster mode proxies run as
    /// their own processes (OrleansGate.Proxy) and reach this silo as Orleans clients.
    /// </summary>
    public static void AddGateway(HostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.AddOptions<ClusterOptions>().Bind(configuration.GetSection(ClusterOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ClusterOptions>>(new ClusterOptionsValidator(configuration));
        AddAuditStore(builder.Services, configuration);
        builder.Services.AddOptions<CatalogOptions>().Bind(configuration.GetSection(CatalogOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<CatalogOptions>>(new CatalogOptionsValidator(configuration));

        var cluster = configuration.GetSection(ClusterOptions.Section).Get<ClusterOptions>() ?? new ClusterOptions();
        // Registered before the silo: hosted services start in registration order. In AllInOne mode
        // the grain storage (approvals) lives in the audit database, so the schema goes there; its
        // clustering tables then stay unused.
        builder.Services.AddHostedService(sp => new ClusterSchema(
            cluster.IsCluster
                ? sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ProviderConnectionString()
                : ClusterOptions.WithUtcTimeZone(sp.GetRequiredService<IOptions<AuditStoreOptions>>().Value.ConnectionString),
            sp.GetRequiredService<ILogger<ClusterSchema>>()));

        AddPolicyVersions(builder.Services, cluster);
        builder.UseOrleans(silo => SiloClustering.Configure(silo, cluster,
            () => configuration.GetSection(AuditStoreOptions.Section).Get<AuditStoreOptions>()?.ConnectionString ?? string.Empty));
        if (cluster.IsCluster)
        {
            builder.Services.AddGatewayOptions(configuration);
        }
        else
        {
            builder.Services.AddOrleansGateProxy(configuration);
        }

        // After the silo (and the proxy): the admin API serves once both are up.
        builder.Services.AddAdmin(configuration);
        AddSweeper(builder.Services, configuration);
        builder.Services.AddHostedService<UpstreamRoleCheck>();
    }

    /// <summary>
    /// Policy versions (docs/policies.md#versions), in the cluster database in Cluster mode and in the
    /// audit database in AllInOne mode. Started after the schemas and before the silo: no session
    /// is decided before the version in force is known.
    /// </summary>
    private static void AddPolicyVersions(IServiceCollection services, ClusterOptions cluster)
    {
        services.AddSingleton(sp => new PolicyVersionStore(
            cluster.IsCluster ? sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ConnectionString!
                : sp.GetRequiredService<IOptions<AuditStoreOptions>>().Value.ConnectionString,
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId));
        services.AddSingleton(sp => new PolicyVersionRecorder(sp.GetRequiredService<PolicyVersionStore>(), sp.GetRequiredService<GatewayConfiguration>(),
            sp.GetRequiredService<IAuditLog>(), sp.GetRequiredService<ChainKey>(), sp.GetRequiredService<IOptions<AuditStoreOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PolicyVersionRecorder>>()));
        // The silo checks each row's seal itself, and answers standalone proxies (PolicyVersionGrain), which hold no audit key.
        services.AddSingleton(sp => new SealedPolicyVersions(sp.GetRequiredService<PolicyVersionStore>(), sp.GetRequiredService<PolicyVersionRecorder>().Seal));
        services.AddSingleton(sp => new PolicyVersionFollower(sp.GetRequiredService<PolicyVersionStore>(), sp.GetRequiredService<SealedPolicyVersions>(),
            sp.GetRequiredService<GatewayConfiguration>(), sp.GetRequiredService<PolicyVersionRecorder>(),
            cluster.IsCluster ? $"{ClusterOptions.Section}:ConnectionString" : $"{AuditStoreOptions.Section}:ConnectionString",
            sp.GetRequiredService<ILogger<PolicyVersionFollower>>()));
        services.AddHostedService(sp => sp.GetRequiredService<PolicyVersionFollower>());
    }

    /// <summary>The sweeper that seals sessions a dead proxy left open (docs/audit-integrity.md#crashes); after the silo.</summary>
    private static void AddSweeper(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SweeperOptions>().Bind(configuration.GetSection(SweeperOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SweeperOptions>>(new SweeperOptionsValidator(configuration));
        services.AddSingleton(sp => new AbandonedSessions(sp.GetRequiredService<IOptions<AuditStoreOptions>>().Value));
        // The session directory's leases are judged by it too (a test replaces it to go past them at once).
        services.TryAddSingleton(sp => new Grains.Sessions.Live.LivenessClock(sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService<Sweeping.SessionSweeperService>();
    }

    private static void AddAuditStore(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuditStoreOptions>().Bind(configuration.GetSection(AuditStoreOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuditStoreOptions>>(new AuditStoreOptionsValidator(configuration));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => AuditStore.Create(sp.GetRequiredService<IOptions<AuditStoreOptions>>().Value));
        services.AddSingleton<Marten.IDocumentStore>(sp => sp.GetRequiredService<Marten.DocumentStore>());
        services.AddSingleton(sp => new MartenAuditLog(sp.GetRequiredService<Marten.IDocumentStore>(),
            sp.GetRequiredService<IOptions<AuditStoreOptions>>().Value, sp.GetRequiredService<ILogger<MartenAuditLog>>(),
            sp.GetRequiredService<Grains.Telemetry.GatewayMetrics>()));
        services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<MartenAuditLog>());
        // Shared by the session grains and, in the same process, the proxy that waits on their commits.
        services.AddSingleton<LocalAuditCommits>();
        // Where a session grain lends its decision to the proxy beside it (ISessionLease).
        services.AddSingleton<Grains.Sessions.Leases.LocalSessionLeases>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Proxy.Telemetry.IReadinessCheck, AuditStoreReadiness>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Proxy.Telemetry.IReadinessCheck, Proxy.Telemetry.ClusterReadiness>());
        // The chain key (Secrets:AuditKey is required; the validator names it when it is missing or bad).
        // A malformed value is reported by GatewayOptionsValidator, a missing one by AuditStoreOptionsValidator.
        services.AddSingleton(_ => new ChainKey(SecretsOptions.Decode(configuration[AuditStoreOptionsValidator.AuditKeySetting])
            ?? throw new InvalidOperationException($"{AuditStoreOptionsValidator.AuditKeySetting}: is required")));
        services.AddSingleton(sp => new ApprovalProofs(sp.GetRequiredService<ChainKey>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new ProxyHeartbeats(sp.GetRequiredService<IOptions<AuditStoreOptions>>().Value));
        services.AddHostedService<AuditSchema>();
    }
}
