using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using OrleansGate.Grains.Configuration;
using OrleansGate.Grains.Policy;
using OrleansGate.Grains.Sessions;
using OrleansGate.Grains.Telemetry;

namespace OrleansGate.Proxy.Telemetry;

/// <summary>Where the gateway sends its telemetry (<c>OrleansGate:Telemetry</c>); metrics are always served on <c>/metrics</c>.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "OrleansGate:Telemetry";

    /// <summary>An OTLP collector (e.g. http://otel-collector:4317): traces (one per statement) and metrics are pushed there.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>Grpc</c> (port 4317 by convention) or <c>HttpProtobuf</c> (4318; the gateway appends /v1/traces and /v1/metrics).</summary>
    public OtlpExportProtocol OtlpProtocol { get; set; } = OtlpExportProtocol.Grpc;
}

/// <summary>Checks <c>OrleansGate:Telemetry</c>.</summary>
public sealed class TelemetryOptionsValidator(IConfiguration configuration) : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        var failures = StrictBinding.Section(configuration, TelemetryOptions.Section, typeof(TelemetryOptions)).ToList();
        if (failures.Count == 0 && options.OtlpEndpoint is { Length: > 0 } endpoint
            && !(Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
        {
            failures.Add($"{TelemetryOptions.Section}:OtlpEndpoint: must be an http:// or https:// address (got '{endpoint}')");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>
/// OpenTelemetry for the gateway process: the <see cref="GatewayMetrics"/> meter exported in
/// Prometheus format (served by the admin API and the proxy's health listener on <c>/metrics</c>),
/// and, with an OTLP endpoint, one trace span per statement and the metrics pushed there.
/// </summary>
public static class GatewayTelemetry
{
    public const string ActivitySourceName = "OrleansGate";

    /// <summary>Spans of decided statements; nothing is recorded unless a listener (OTLP export, a test) samples them.</summary>
    public static readonly ActivitySource Statements = new(ActivitySourceName);

    public static IServiceCollection AddGatewayTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TelemetryOptions>().Bind(configuration.GetSection(TelemetryOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TelemetryOptions>>(new TelemetryOptionsValidator(configuration));
        TelemetryOptions options;
        try
        {
            options = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        }
        catch (InvalidOperationException)
        {
            // A value that does not bind: the validator names its key when the host starts.
            options = new TelemetryOptions();
        }

        var exportsOtlp = Uri.TryCreate(options.OtlpEndpoint, UriKind.Absolute, out var endpoint);
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("orleansgate"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(GatewayMetrics.MeterName).AddPrometheusExporter();
                if (exportsOtlp)
                {
                    metrics.AddOtlpExporter(o => Otlp(o, options.OtlpProtocol, endpoint!, "v1/metrics"));
                }
            });
        if (exportsOtlp)
        {
            telemetry.WithTracing(tracing => tracing.AddSource(ActivitySourceName)
                .AddOtlpExporter(o => Otlp(o, options.OtlpProtocol, endpoint!, "v1/traces")));
        }

        return services;
    }

    // Over HTTP each signal has its own path; a gRPC endpoint serves both.
    private static void Otlp(OtlpExporterOptions exporter, OtlpExportProtocol protocol, Uri endpoint, string signalPath)
    {
        exporter.Protocol = protocol;
        exporter.Endpoint = protocol == OtlpExportProtocol.HttpProtobuf ? new Uri(endpoint.ToString().TrimEnd('/') + "/" + signalPath) : endpoint;
    }

    /// <summary>One span per decided statement: its kind, decision and rule (never its text or parameters).</summary>
    public static void RecordDecisions(string? sessionId, IReadOnlyList<StatementRequest> requests, IReadOnlyList<Decision> decisions,
        DateTimeOffset started)
    {
        if (!Statements.HasListeners())
        {
            return;
        }

        for (var i = 0; i < requests.Count && i < decisions.Count; i++)
        {
            using var span = Statements.StartActivity("orleansgate.statement", ActivityKind.Internal, parentContext: default, startTime: started);
            if (span is null)
            {
                continue;
            }

            span.SetTag("db.system.name", "postgresql");
            span.SetTag("orleansgate.session", sessionId);
            span.SetTag("orleansgate.statement.kind", requests[i].Statement.Kind.ToString());
            span.SetTag("orleansgate.statement.sequence", decisions[i].Sequence);
            span.SetTag("orleansgate.decision", decisions[i].Action.ToString().ToLowerInvariant());
            span.SetTag("orleansgate.rule", decisions[i].Rule);
            if (decisions[i].Action == PolicyAction.Block)
            {
                span.SetStatus(ActivityStatusCode.Error, decisions[i].Rule);
            }
        }
    }
}
