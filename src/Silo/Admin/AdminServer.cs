using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansGate.Proxy.Hosting;
using OrleansGate.Proxy.Telemetry;

namespace OrleansGate.Silo.Admin;

/// <summary>
/// The admin HTTP API: a Kestrel server of its own inside the silo process, on
/// <see cref="AdminOptions.Listen"/>, started after the silo (hosted services start in order).
/// It shares the silo's grain factory, configuration and logging; nothing is served when
/// <c>OrleansGate:Admin:Listen</c> is empty.
/// </summary>
public sealed partial class AdminServer(IOptions<AdminOptions> options, IGrainFactory grains, ApiTokenAuthenticator authenticator,
    OrleansGate.Proxy.Authentication.Tokens.TokenAuthenticator tokens, IEnumerable<IReadinessCheck> checks, OpenTelemetry.Metrics.MeterProvider? meters,
    Grains.Audit.Chain.ChainKey chainKey, Grains.Configuration.GatewayConfiguration gateway, Grains.Audit.IAuditLog audit,
    TimeProvider clock, IHostApplicationLifetime lifetime, ILoggerFactory loggers, Grains.Approvals.ApprovalProofs proofs,
    Grains.Policy.Versions.PolicyVersionStore policyVersions, Grains.Policy.Versions.PolicyVersionRecorder policyRecorder,
    IOptions<Grains.Audit.AuditStoreOptions> auditStore) : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger<AdminServer>();
    private readonly EndpointServer _server = new();
    private Audit.AuditReadModel? _auditReads;

    /// <summary>The address actually bound, e.g. <c>http://127.0.0.1:6480</c> (useful with port 0).</summary>
    public Uri Address { get; private set; } = null!;

    public bool Enabled => options.Value.Enabled;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        var builder = EndpointServer.CreateBuilder("OrleansGate.Admin", options.Value.Listen!);
        builder.Services.AddSingleton(loggers);
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        });

        var app = builder.Build();
        OperatorEndpoints.Map(app, IsUp, checks, meters);
        var console = new Console.ConsoleSession(chainKey, gateway, clock);
        var authentication = new AdminAuthentication(authenticator, tokens, console);
        var api = app.MapGroup("").AddEndpointFilter(authentication);
        var access = new AdminAccess(options.Value);
        Console.ConsoleEndpoints.Map(app, api, console, authentication, access, _logger);
        Slack.SlackActions.Map(app, options.Value.Slack, gateway, grains, proofs, clock, _logger);
        ApprovalEndpoints.Map(api, grains, clock, proofs, access);
        var auditReads = new Audit.AuditReadModel(auditStore.Value, clock, loggers.CreateLogger<Audit.AuditReadModel>());
        _auditReads = auditReads;
        SessionEndpoints.Map(api, grains, access, audit, auditReads);
        PolicyEndpoints.Map(api, grains, gateway, access);
        PolicyVersionEndpoints.Map(api, policyVersions, policyRecorder, gateway, access, loggers.CreateLogger(typeof(PolicyVersionEndpoints)));
        Audit.SessionHistoryEndpoints.Map(api, auditReads, access, grains);
        Audit.SessionVerificationEndpoints.Map(api, auditReads, access, chainKey, clock);
        Audit.AuditViewEndpoints.Map(api, auditReads, access, clock);

        await _server.StartAsync(app, cancellationToken).ConfigureAwait(false);
        Address = _server.Address!;
        LogListening(_logger, Address.ToString());
    }

    // The silo runs in this process and this server starts after it; "up" until the host stops.
    private bool IsUp() => lifetime.ApplicationStarted.IsCancellationRequested && !lifetime.ApplicationStopping.IsCancellationRequested;

    public Task StopAsync(CancellationToken cancellationToken) => _server.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync().ConfigureAwait(false);
        _auditReads?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "OrleansGate admin API listening on {Address}")]
    private static partial void LogListening(ILogger logger, string address);
}
