using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OrleansGate.Grains.Approvals;
using OrleansGate.Silo.Admin;
using OrleansGate.Demo.Provisioning;
using OrleansGate.Tests.Support;

namespace OrleansGate.Tests.Silo.Admin;

/// <summary>
/// A gateway with its admin API on a free loopback port and an ApiToken for each identity:
/// alice (analysts, the usual requester), bob (approvers), carol (outsiders), erin (admins: sees
/// and ends every session, sees every request). Requests are
/// opened through <see cref="IApprovalGrain.OpenAsync"/>, as the proxy's hold path does.
/// </summary>
public abstract class AdminTestBase(PostgresFixture postgres) : GatewayTestBase(postgres)
{
    public const string AliceToken = "alice-api-token-0001";
    public const string BobToken = "bob-api-token-000001";
    public const string CarolToken = "carol-api-token-0001";
    public const string ErinToken = "erin-api-token-00001";

    protected static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly List<HttpClient> _clients = [];

    protected Uri AdminUrl => Gateway.Services.GetRequiredService<AdminServer>().Address;

    protected IGrainFactory Grains => Gateway.Services.GetRequiredService<IGrainFactory>();

    protected override void Configure(JsonObject configuration)
    {
        configuration.Section("Admin")["Listen"] = "127.0.0.1:0";
        var identities = (JsonArray)configuration["OrleansGate"]!["Identities"]!;
        identities.Add(GatewayConfig.Identity("erin", "erin-secret", "admins"));
        var tokens = new Dictionary<string, string> { ["alice"] = AliceToken, ["bob"] = BobToken, ["carol"] = CarolToken, ["erin"] = ErinToken };
        foreach (var identity in identities.OfType<JsonObject>())
        {
            identity["ApiToken"] = tokens[(string)identity["Name"]!];
        }
    }

    /// <summary>An HTTP client for the admin API, with a bearer token unless null.</summary>
    protected HttpClient Admin(string? token)
    {
        var client = new HttpClient { BaseAddress = AdminUrl, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        _clients.Add(client);
        return client;
    }

    /// <summary>Opens a held request of <paramref name="requester"/> on target main, approvable by the approvers group.</summary>
    protected async Task<ApprovalRequest> OpenRequestAsync(string requester = "alice", string sql = "COPY secrets TO STDOUT",
        string? sessionId = null, int minApprovals = 1, IReadOnlyList<string?>? parameters = null)
    {
        var now = DateTimeOffset.UtcNow;
        var request = new ApprovalRequest
        {
            Id = "ap-" + Guid.NewGuid().ToString("N")[..12],
            SessionId = sessionId ?? Guid.NewGuid().ToString("N"),
            Requester = requester,
            Target = "main",
            Statements = [sql],
            Sequences = [1],
            Rule = "hold-copy-out",
            ApproverGroups = ["approvers"],
            MinApprovals = minApprovals,
            RequestedAt = now,
            ExpiresAt = now.AddMinutes(5),
            Fingerprint = "fp-" + sql.GetHashCode(StringComparison.Ordinal),
            Parameters = [parameters ?? []],
        };
        await Grains.GetGrain<IApprovalGrain>(request.Id).OpenAsync(request);
        return request;
    }

    /// <summary>Runs the replay tool (<c>dotnet OrleansGate.ReplayTool.dll …</c>) as an operator would, with this token.</summary>
    protected static Task<ProcessResult> CliAsync(string[] arguments, string? token = null) =>
        ReplayToolProcess.RunAsync(arguments, token is null ? null : new Dictionary<string, string> { ["ORLEANSGATE_TOKEN"] = token },
            TimeSpan.FromSeconds(60));

    protected static async Task<JsonElement> JsonOf(HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>(Json);

    public override async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await base.DisposeAsync();
    }
}
