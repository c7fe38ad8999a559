using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Telemetry;

/// <summary>
/// Traces leave the gateway over OTLP when <c>Telemetry:OtlpEndpoint</c> is set: a collector the
/// test runs (OTLP over HTTP, protobuf) receives the span of a statement this test ran.
/// </summary>
public sealed class OtlpExportTests(PostgresFixture postgres) : GatewayTestBase(postgres)
{
    private static readonly ConcurrentQueue<(string Path, byte[] Body)> Received = new();
    private static readonly LoopbackHttpListener Collector = new("/", async context =>
    {
        using var body = new MemoryStream();
        await context.Request.InputStream.CopyToAsync(body);
        Received.Enqueue((context.Request.Url!.AbsolutePath, body.ToArray()));
        context.Response.StatusCode = 200;
    });

    protected override void Configure(JsonObject configuration)
    {
        configuration.Section("Telemetry")["OtlpEndpoint"] = Collector.Url;
        configuration.Section("Telemetry")["OtlpProtocol"] = "HttpProtobuf";
    }

    [Fact]
    public async Task A_statement_s_span_reaches_the_collector()
    {
        var application = "otlp-" + Guid.NewGuid().ToString("N")[..8];
        await using (var connection = await OpenViaGatewayAsync(b => b.ApplicationName = application))
        {
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync();
        }

        var session = (await AuditRecord.SessionOfApplicationAsync(Postgres, application))[0].StreamId;
        // The exporter sends in batches, every 5 s by default.
        var exported = await Eventually.HoldsAsync(() => Task.FromResult(Received.ToList()),
            r => r.Any(x => x.Path == "/v1/traces" && Contains(x.Body, session)), TimeSpan.FromSeconds(30));
        var traces = exported.First(x => x.Path == "/v1/traces" && Contains(x.Body, session)).Body;
        Assert.True(Contains(traces, "orleansgate.statement"));
        Assert.True(Contains(traces, "orleansgate.decision"));
        Assert.False(Contains(traces, "SELECT 1"), "the statement's text is not in its span");
    }

    private static bool Contains(byte[] body, string text) => body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
}
