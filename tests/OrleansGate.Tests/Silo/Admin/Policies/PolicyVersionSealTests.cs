using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansGate.Grains.Audit;
using OrleansGate.Grains.Audit.Chain;
using OrleansGate.Grains.Policy.Versions;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Silo.Admin.Policies;

/// <summary>
/// The version table is writable by whoever can write its database; only versions the gateway
/// sealed (with a key derived from Secrets:AuditKey) take effect (docs/policies.md#versions). A row
/// changed or inserted with SQL is refused, logged, and changes no decision; a recorded edit still
/// does. Also: a bad row is refused rather than thrown, a store that cannot be reached is an answer
/// (503), and the follower stops at once when its host stops.
/// </summary>
public sealed class PolicyVersionSealTests(PostgresFixture postgres) : PolicyVersionTestBase(postgres)
{
    private const string Forged = """[ { "Name": "shop", "Rules": [ { "Name": "forged", "Relations": ["customers"], "Action": "Block" } ] } ]""";

    private const string Notify = "SELECT pg_notify('og_policy_versions', @service);";

    private PolicyVersionStore Store => Gateway.Services.GetRequiredService<PolicyVersionStore>();

    [Fact]
    public async Task A_version_changed_or_inserted_with_SQL_is_refused_and_a_recorded_edit_still_takes_effect()
    {
        var (newest, shop) = await NewestShopAsync();
        var original = (await Store.GetAsync(newest, CancellationToken.None))!.Document;
        await using var alice = await OpenViaGatewayAsync();
        Assert.Equal(1L, await ScalarAsync(alice, "SELECT count(*) FROM customers"));

        // The version in force changed in place, then a newer one inserted; each announced as a commit would be.
        await VersionTableAsync("UPDATE og_policy.versions SET document = @document WHERE service_id = @service AND version = @version;" + Notify,
            ("document", Forged), ("version", newest));
        await Eventually.HoldsAsync(() => Gateway.Log.Errors.Any(e => e.Contains($"Policy version {newest} in force no longer verifies", StringComparison.Ordinal)));
        await VersionTableAsync(
            "INSERT INTO og_policy.versions (service_id, version, document, author, reason, based_on) " +
            "VALUES (@service, @version, @document, 'erin', 'urgent', @based_on);" + Notify,
            ("document", Forged), ("version", newest + 1), ("based_on", newest));
        await Eventually.HoldsAsync(() => Gateway.Log.Errors.Any(e => e.Contains($"Policy version {newest + 1} refused: its seal does not verify", StringComparison.Ordinal)));

        Assert.Equal(newest, InForce.PolicyVersion!.Number);
        Assert.Equal(1L, await ScalarAsync(alice, "SELECT count(*) FROM customers"));
        await using (var later = await OpenViaGatewayAsync())
        {
            Assert.Equal(1L, await ScalarAsync(later, "SELECT count(*) FROM customers"));
        }

        // The API shows both rows unsealed, and nothing is based on the forged one.
        var listed = (await VersionsAsync(ErinToken)).GetProperty("versions");
        Assert.Equal((newest + 1, false), (listed[0].GetProperty("version").GetInt32(), listed[0].GetProperty("sealed").GetBoolean()));
        Assert.Equal((newest, false, true), (listed[1].GetProperty("version").GetInt32(), listed[1].GetProperty("sealed").GetBoolean(),
            listed[1].GetProperty("inForce").GetBoolean()));
        var rules = shop["Rules"]!.AsArray().DeepClone().AsArray();
        rules.Add(JsonNode.Parse("""{ "Name": "no-customers", "Relations": ["customers"], "Action": "Block" }"""));
        var onForged = await EditShopAsync(ErinToken, newest + 1, "on the newest", null, rules);
        Assert.Equal(HttpStatusCode.Conflict, onForged.StatusCode);
        Assert.StartsWith($"the newest stored version, {newest + 1}, is not sealed", (await JsonOf(onForged)).GetProperty("error").GetString(), StringComparison.Ordinal);

        // The rows put back as the gateway recorded them: an edit is recorded and decides the next statement.
        await VersionTableAsync("DELETE FROM og_policy.versions WHERE service_id = @service AND version = @version", ("version", newest + 1));
        await VersionTableAsync("UPDATE og_policy.versions SET document = @document WHERE service_id = @service AND version = @version",
            ("document", original), ("version", newest));
        var edit = await EditShopAsync(ErinToken, newest, "customers only through the CRM", null, rules);
        Assert.Equal(HttpStatusCode.Created, edit.StatusCode);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(alice, "SELECT count(*) FROM customers"));
        Assert.Contains("no-customers", refused.MessageText, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Created, (await EditShopAsync(ErinToken, newest + 1, "the CRM is late", null, shop["Rules"]!.DeepClone())).StatusCode);
    }

    [Fact]
    public async Task A_sealed_row_that_is_not_a_policies_array_is_refused_and_logged_not_thrown()
    {
        var (newest, _) = await NewestShopAsync();
        // Sealed with the gateway's own key (the test holds it): only the document is wrong.
        var row = new PolicyVersion(newest + 1, """{ "Name": "shop" }""", "erin", DateTimeOffset.UtcNow, "not an array", newest, null);
        var seal = new PolicyVersionSeal(new ChainKey(GatewayConfig.AuditKey), ServiceId).Of(row);
        await VersionTableAsync(
            "INSERT INTO og_policy.versions (service_id, version, document, author, reason, based_on, seal) " +
            "VALUES (@service, @version, @document, 'erin', 'not an array', @based_on, @seal);" + Notify,
            ("version", row.Number), ("document", row.Document), ("based_on", newest), ("seal", seal));
        try
        {
            await Eventually.HoldsAsync(() => Gateway.Log.Errors.Any(e =>
                e.Contains($"Policy version {newest + 1} refused on this process", StringComparison.Ordinal)
                && e.Contains("OrleansGate:Policies: must be a JSON array of policies", StringComparison.Ordinal)));
            Assert.Equal(newest, InForce.PolicyVersion!.Number);
            Assert.DoesNotContain(Gateway.Log.Entries, e => e.Message.Contains("listening for new versions failed", StringComparison.Ordinal));
        }
        finally
        {
            await VersionTableAsync("DELETE FROM og_policy.versions WHERE service_id = @service AND version = @version", ("version", newest + 1));
        }
    }

    [Fact]
    public async Task A_store_that_cannot_be_reached_is_an_answer_not_an_exception()
    {
        var (newest, _) = await NewestShopAsync();
        var unreachable = new PolicyVersionStore("Host=127.0.0.1;Port=1;Username=og;Password=x;Timeout=3", ServiceId);
        var recorder = new PolicyVersionRecorder(unreachable, InForce, Gateway.Services.GetRequiredService<IAuditLog>(),
            Gateway.Services.GetRequiredService<ChainKey>(), Gateway.Services.GetRequiredService<IOptions<AuditStoreOptions>>().Value,
            TimeProvider.System, NullLogger<PolicyVersionRecorder>.Instance);

        var outcome = await recorder.RecordAsync(new PolicyEdit("[ { \"Name\": \"shop\" } ]", "erin", "unreachable", newest, ByAdministrator: true),
            CancellationToken.None);

        Assert.IsType<PolicyEditOutcome.NotRecorded>(outcome);
        Assert.Equal(newest, InForce.PolicyVersion!.Number);
    }

    [Fact]
    public async Task The_follower_stops_at_once_when_its_host_stops()
    {
        var follower = new PolicyVersionFollower(Store, new SealedPolicyVersions(Store, Gateway.Services.GetRequiredService<PolicyVersionRecorder>().Seal),
            InForce, recorder: null, "test", NullLogger<PolicyVersionFollower>.Instance);
        await follower.StartAsync(CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(1)); // listening, and waiting for a notification

        var clock = Stopwatch.StartNew();
        using var hostGivesUp = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await follower.StopAsync(hostGivesUp.Token);
        await follower.DisposeAsync();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"the follower took {clock.Elapsed} to stop");
    }
}
