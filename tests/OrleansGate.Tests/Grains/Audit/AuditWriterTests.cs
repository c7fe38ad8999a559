using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansGate.Grains.Audit;
using OrleansGate.Grains.Audit.Chain;
using OrleansGate.Grains.Audit.Events;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Grains.Audit;

/// <summary>
/// The audit writer's set-based group commit, against a real audit database: what it writes is
/// Marten's own record (read back by Marten), a second writer of one session fails only that
/// session, and tables that are not what it writes stop it with a line naming the column.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class AuditWriterTests(PostgresFixture postgres)
{
    private static readonly DateTimeOffset At = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task Concurrent_sessions_are_committed_together_and_read_back_by_Marten_in_order(int writers)
    {
        var (store, log) = await OpenAsync($"concurrent-{writers}", writers);
        using var disposeStore = store;
        await using var disposeLog = log;
        var sessions = Enumerable.Range(0, 40).Select(n => $"writer-{n:D2}").ToList();

        // Each session appends its start, then three one-event appends, all sessions at once.
        await Task.WhenAll(sessions.Select(async id =>
        {
            await log.AppendAsync(id, [LinkedEvent.Of(Started(id) with { Position = 1 })]);
            for (var position = 2; position <= 4; position++)
            {
                await log.AppendAsync(id, [LinkedEvent.Of(Ended(id, position))]);
            }
        }));

        await using var query = store.QuerySession();
        foreach (var id in sessions)
        {
            var events = await query.Events.FetchStreamAsync(id);
            Assert.Equal([1L, 2L, 3L, 4L], events.Select(e => e.Version));
            Assert.Equal([1L, 2L, 3L, 4L], events.Select(e => ((SessionEnded?)(e.Data as SessionEnded))?.Position ?? ((SessionStarted)e.Data).Position));
            Assert.True(events.Zip(events.Skip(1)).All(pair => pair.First.Sequence < pair.Second.Sequence), "seq_id follows the version");
            Assert.IsType<SessionStarted>(events[0].Data);
            Assert.Equal(id, ((SessionStarted)events[0].Data).SessionId);

            var state = await query.Events.FetchStreamStateAsync(id);
            Assert.Equal(4, state!.Version);
        }

        // Read through the grain's own path too: the events come back as the types written.
        var read = await log.ReadStreamAsync(sessions[7]);
        Assert.Equal(4, read.Count);
        Assert.Equal(3, read.OfType<SessionEnded>().Count());
    }

    [Fact]
    public async Task A_second_writer_of_one_session_is_refused_without_refusing_the_other_sessions()
    {
        var (store, log) = await OpenAsync("second_writer");
        using var disposeStore = store;
        await using var disposeLog = log;
        await log.AppendAsync("twice", [LinkedEvent.Of(Started("twice") with { Position = 1 })]);

        // Queued together, so they share commits: one of them repeats position 1 of "twice".
        var others = Enumerable.Range(0, 30).Select(n => $"other-{n:D2}").ToList();
        var appends = others.Take(15).Select(id => log.AppendAsync(id, [LinkedEvent.Of(Started(id) with { Position = 1 })])).ToList();
        var duplicate = log.AppendAsync("twice", [LinkedEvent.Of(Ended("twice", 1))]);
        appends.AddRange(others.Skip(15).Select(id => log.AppendAsync(id, [LinkedEvent.Of(Started(id) with { Position = 1 })])));

        var refused = await Assert.ThrowsAsync<AuditUnavailableException>(() => duplicate);
        Assert.Contains("pk_mt_events_stream_and_version", refused.Message, StringComparison.Ordinal);
        await Task.WhenAll(appends);

        await using var query = store.QuerySession();
        var twice = await query.Events.FetchStreamAsync("twice");
        Assert.IsType<SessionStarted>(Assert.Single(twice).Data);
        foreach (var id in others)
        {
            Assert.Single(await query.Events.FetchStreamAsync(id));
        }
    }

    [Fact]
    public async Task Event_tables_without_a_column_the_writer_writes_are_named_at_start()
    {
        var database = await postgres.CreateDatabaseAsync("t_audit_writer_schema");
        var connectionString = postgres.Server.ConnectionString(database);
        await using (var admin = new NpgsqlConnection(connectionString))
        {
            await admin.OpenAsync();
            await PostgresFixture.ExecuteAsync(admin, """
                CREATE SCHEMA og_audit;
                CREATE TABLE og_audit.mt_streams (id varchar PRIMARY KEY, type varchar, version bigint, timestamp timestamptz NOT NULL DEFAULT now(), tenant_id varchar);
                CREATE TABLE og_audit.mt_events (seq_id bigint NOT NULL, id uuid NOT NULL, stream_id varchar, version bigint NOT NULL, data jsonb NOT NULL,
                    type varchar NOT NULL, timestamp timestamptz NOT NULL, tenant_id varchar, mt_dotnet_type varchar NOT NULL, headers jsonb NOT NULL);
                """);
        }

        var options = new AuditStoreOptions { ConnectionString = connectionString };
        using var store = AuditStore.Create(options);
        await using var log = new MartenAuditLog(store, options, NullLogger<MartenAuditLog>.Instance);
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => log.VerifyTablesAsync(CancellationToken.None));

        Assert.StartsWith("OrleansGate:AuditStore: Marten's event tables in schema og_audit", failure.Message, StringComparison.Ordinal);
        Assert.Contains("mt_events.is_archived is missing", failure.Message, StringComparison.Ordinal);
        Assert.Contains("mt_events.mt_dotnet_type is NOT NULL but written as NULL", failure.Message, StringComparison.Ordinal);
        Assert.Contains("mt_events.headers is required but not written", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', failure.Message);
    }

    private async Task<(DocumentStore Store, MartenAuditLog Log)> OpenAsync(string test, int writers = 1)
    {
        var database = await postgres.CreateDatabaseAsync("t_aw_" + test.Replace('-', '_'));
        var options = new AuditStoreOptions { ConnectionString = postgres.Server.ConnectionString(database), Writers = writers };
        var store = AuditStore.Create(options);
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var log = new MartenAuditLog(store, options, NullLogger<MartenAuditLog>.Instance);
        await log.VerifyTablesAsync(CancellationToken.None);
        return (store, log);
    }

    private static SessionStarted Started(string id) => new(id, "alice", ["analysts"], "main", "127.0.0.1", "writer-test", false, At);

    private static SessionEnded Ended(string id, long position) => new(id, "client closed", 0, At) { Position = position };
}
