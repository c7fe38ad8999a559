using System.Text.Json.Nodes;
using OrleansGate.Proxy.Hosting;
using OrleansGate.Silo.Hosting;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo;

/// <summary>
/// A bad configuration stops OrleansGate.Silo at start-up with one line per problem that names
/// the key, and exit code 1; bad usage exits with 2. The bad values are checked through the
/// program's own build-and-validate in this process; the rest run the real program.
/// </summary>
public sealed class ConfigurationErrorTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("og-config-");

    public static TheoryData<string, string, string> BadValues => new()
    {
        { "Proxy", """{ "Listen": "nonsense" }""", "OrleansGate:Proxy:Listen: 'nonsense' is not host:port" },
        { "Proxy", """{ "MaxMessageBytes": "lots" }""", "OrleansGate:Proxy:MaxMessageBytes: 'lots' is not a valid Int32" },
        { "Proxy", """{ "MaxMessageBytes": 100 }""", "OrleansGate:Proxy:MaxMessageBytes: must be at least" },
        { "Proxy", """{ "DecisionTimeout": "00:00:00" }""", "OrleansGate:Proxy:DecisionTimeout: must be more than 0 and at most 01:00:00 (got 00:00:00)" },
        { "Proxy", """{ "ParseCacheEntries": -1 }""", "OrleansGate:Proxy:ParseCacheEntries: must be 0 (no cache) to 1000000 (got -1)" },
        { "Proxy", """{ "Tls": { "CertificatePath": "/nonexistent/cert.pem" } }""", "OrleansGate:Proxy:Tls:CertificatePath: file '/nonexistent/cert.pem' does not exist" },
        { "Proxy", """{ "ExtraStartupParameters": ["options"] }""", "OrleansGate:Proxy:ExtraStartupParameters:0: 'options' can never be forwarded" },
        { "Cluster", """{ "Mode": "Galaxy" }""", "OrleansGate:Cluster:Mode: must be AllInOne or Cluster (got 'Galaxy')" },
        { "Cluster", """{ "Mode": "Cluster" }""", "OrleansGate:Cluster:ConnectionString: is required in Cluster mode" },
        { "Cluster", """{ "Mode": "Cluster", "ConnectionString": "Host=x;Frobnicate=1" }""", "OrleansGate:Cluster:ConnectionString: not a valid connection string" },
        { "Cluster", """{ "Mode": "Cluster", "ConnectionString": "Host=x", "AdvertisedAddress": "no-such-host.invalid" }""", "OrleansGate:Cluster:AdvertisedAddress: 'no-such-host.invalid' is neither an IP address nor a host name that resolves to one" },
        { "Cluster", """{ "Mode": "Cluster", "ConnectionString": "Host=x" }""", "OrleansGate:Cluster:Tls:CertificateFile: is required in Cluster mode" },
        { "Cluster", """{ "Mode": "Cluster", "ConnectionString": "Host=x", "Tls": { "CertificateFile": "/nonexistent/cluster.pfx" } }""", "OrleansGate:Cluster:Tls:CertificateFile: cannot be loaded" },
        { "Cluster", """{ "Tls": { "CertificateFiel": "x" } }""", "OrleansGate:Cluster:Tls:CertificateFiel: unknown key" },
        { "Targets", """[{ "Name": "shop", "Host": "127.0.0.1", "Port": 70000, "Username": "u", "Password": "p" }]""", "OrleansGate:Targets:0:Port: must be between 1 and 65535 (got 70000)" },
        { "Targets", """[{ "Name": "shop", "Host": "127.0.0.1", "Username": "u", "SslMode": "Sometimes" }]""", "OrleansGate:Targets:0:SslMode: 'Sometimes' is not a valid UpstreamSslMode" },
        { "Proxy", """{ "Listne": "127.0.0.1:6432" }""", "OrleansGate:Proxy:Listne: unknown key" },
        { "Targets", """[{ "Name": "shop", "Hots": "127.0.0.1", "Username": "u" }]""", "OrleansGate:Targets:0:Hots: unknown key" },
        { "Identities", """[{ "Name": "alice", "Groups": ["a"] }]""", "OrleansGate:Identities:0:Password: give exactly one of Password or ScramVerifier" },
        { "Identities", """[{ "Name": "alice", "ScramVerifier": "SCRAM-SHA-256$x", "Groups": ["a"] }]""", "OrleansGate:Identities:0:ScramVerifier: not of the form" },
        { "AuditStore", """{ "Schema": "og_audit" }""", "OrleansGate:AuditStore:ConnectionString: is required" },
        { "Catalog", """{ "RefreshInterval": "00:00:00" }""", "OrleansGate:Catalog:RefreshInterval: must be positive" },
        { "AuditStore", """{ "ConnectionString": "Host=x;Frobnicate=1" }""", "OrleansGate:AuditStore:ConnectionString: not a valid connection string" },
        { "Policies", """[{ "Name": "p", "Rules": [{ "Name": "r", "Kinds": ["Selekt"] }] }]""", "OrleansGate:Policies:0:Rules:0:Kinds:0: 'Selekt' is not a valid StatementKind" },
        { "Policies", """[{ "Name": "p", "Rules": [{ "Name": "r", "Action": "Hold" }] }]""", "OrleansGate:Policies:0:Rules:0:ApproverGroups: a Hold rule needs at least one approver group" },
        { "Policies", """[{ "Name": "p", "Rules": [{ "Name": "r", "Action": "Allow", "Overrides": ["everything"] }] }]""", "OrleansGate:Policies:0:Rules:0:Overrides:0: 'everything' is not a built-in rule" },
        { "Policies", """[{ "Name": "p", "Masks": [{ "Column": "ssn" }] }]""", "OrleansGate:Policies:0:Masks:0:Column: must be schema.table.column" },
        { "Targets", """[{ "Name": "shop", "Host": "h", "Username": "u", "Policy": "nope" }]""", "OrleansGate:Targets:0:Policy: no policy is named 'nope'" },
        { "Sweeper", """{ "Interval": "00:01:00", "Grace": "00:02:00" }""", "OrleansGate:Sweeper:Grace: must be at least twice Interval plus Cluster:DirectoryRenewal plus 10 s, 00:02:30 here" },
        { "Admin", """{ "Slack": { "Users": { "U0BOB": "bob" } } }""", "OrleansGate:Admin:Slack:SigningSecret: the Slack app's signing secret is required" },
        { "Proxy", """{ "UpstreamApplicationName": "og:{user}" }""", "OrleansGate:Proxy:UpstreamApplicationName: unknown placeholder {user}" },
        { "Telemetry", """{ "OtlpEndpoint": "collector:4317" }""", "OrleansGate:Telemetry:OtlpEndpoint: must be an http:// or https:// address" },
        { "Oidc", """[{ "Audience": "orleansgate" }]""", "OrleansGate:Oidc:0:Issuer: is required" },
        { "Oidc", """[{ "Issuer": "http://login.example.com/", "Audience": "orleansgate" }]""", "OrleansGate:Oidc:0:Issuer: must be an https:// address (http:// only on loopback)" },
        { "Oidc", """[{ "Issuer": "https://login.example.com/", "Audience": "a", "AllowedAlgorithms": ["HS256"] }]""", "OrleansGate:Oidc:0:AllowedAlgorithms:0: 'HS256' is not an asymmetric JWS algorithm" },
        { "Oidc", """[{ "Issuer": "https://login.example.com/", "Audiance": "a" }]""", "OrleansGate:Oidc:0:Audiance: unknown key" },
        { "Oidc", """[{ "Issuer": "https://login.example.com/" }]""", "OrleansGate:Oidc:0:Audience: is required" },
        { "Cluster", """{ "DirectoryRenewal": "00:00:00.500" }""", "OrleansGate:Cluster:DirectoryRenewal: must be between 00:00:01 and 00:05:00" },
        { "Sweeper", """{ "Interval": "00:00:01", "Grace": "00:00:20" }""", "OrleansGate:Sweeper:Grace: must be at least twice Interval plus Cluster:DirectoryRenewal plus 10 s, 00:00:32 here" },
        { "Sweeper", """{ "Interval": "00:00:00.500" }""", "OrleansGate:Sweeper:Interval: must be at least 00:00:01" },
        { "Sweeper", """{ "Intervall": "00:01:00" }""", "OrleansGate:Sweeper:Intervall: unknown key" },
    };

    /// <summary>
    /// Each bad value through what OrleansGate.Silo's Program does before it starts (build the host,
    /// then validate every option and hosted service), in this process: the same lines the program
    /// prints, without a .NET start per case. The facts below run the program itself.
    /// </summary>
    [Theory]
    [MemberData(nameof(BadValues))]
    public void A_bad_value_stops_the_start_with_one_line_naming_the_key(string section, string json, string expected)
    {
        var config = WriteConfig(new JsonObject { ["OrleansGate"] = new JsonObject { [section] = JsonNode.Parse(json) } });

        using var errors = new StringWriter();
        using (var host = GatewayHost.TryBuild(() => SiloHost.Build(config, configure: null), errors))
        {
            Assert.False(host is not null && GatewayHost.TryValidate(host, errors), "the configuration was accepted");
        }

        var lines = errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.StartsWith("configuration error: OrleansGate:", l, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(expected, StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", errors.ToString(), StringComparison.Ordinal); // no stack trace
    }

    [Fact]
    public async Task A_bad_value_stops_the_process_with_exit_code_1_and_only_its_line()
    {
        var config = WriteConfig(new JsonObject { ["OrleansGate"] = new JsonObject { ["Proxy"] = JsonNode.Parse("""{ "MaxMessageBytes": "lots" }""") } });

        var result = await GatewayProcess.RunToEndAsync("OrleansGate.Silo", ["--config", config]);

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("configuration error: OrleansGate:Proxy:MaxMessageBytes: 'lots' is not a valid Int32", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_bad_values_are_all_reported_one_line_each()
    {
        var config = WriteConfig(JsonNode.Parse("""
            { "OrleansGate": { "AuditStore": { "ConnectionString": "Host=127.0.0.1;Database=og_audit" },
                               "Secrets": { "AuditKey": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" },
                               "Proxy": { "Listen": "nowhere", "MaxConnections": 0 } } }
            """)!.AsObject());

        var result = await GatewayProcess.RunToEndAsync("OrleansGate.Silo", ["--config", config]);

        Assert.Equal(1, result.ExitCode);
        var lines = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains(lines, l => l.Contains("OrleansGate:Proxy:Listen", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("OrleansGate:Proxy:MaxConnections", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_environment_variable_overrides_the_file_and_is_checked_too()
    {
        var config = WriteConfig(new JsonObject { ["OrleansGate"] = new JsonObject { ["Proxy"] = new JsonObject { ["Listen"] = "127.0.0.1:0" } } });

        var result = await GatewayProcess.RunToEndAsync("OrleansGate.Silo", ["--config", config],
            new Dictionary<string, string> { ["OrleansGate__Proxy__Listen"] = "from-the-environment" });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("OrleansGate:Proxy:Listen: 'from-the-environment' is not host:port", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_json_is_named_in_one_line()
    {
        var config = Path.Combine(_work.FullName, "broken.json");
        await File.WriteAllTextAsync(config, "{ \"OrleansGate\": { ");

        var result = await GatewayProcess.RunToEndAsync("OrleansGate.Silo", ["--config", config]);

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("broken.json", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("OrleansGate.Silo")]
    [InlineData("OrleansGate.Proxy")]
    public async Task Bad_usage_exits_with_2(string program)
    {
        var unknownArgument = await GatewayProcess.RunToEndAsync(program, ["--frobnicate"]);
        var missingFile = await GatewayProcess.RunToEndAsync(program, ["--config", "/nonexistent/orleansgate.json"]);

        Assert.Equal(2, unknownArgument.ExitCode);
        Assert.Contains("unexpected argument '--frobnicate'", unknownArgument.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, missingFile.ExitCode);
        Assert.Contains("does not exist", missingFile.StandardError, StringComparison.Ordinal);
    }

    private string WriteConfig(JsonObject configuration)
    {
        var path = Path.Combine(_work.FullName, $"config-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, configuration.ToJsonString());
        return path;
    }

    public void Dispose() => _work.Delete(recursive: true);
}
