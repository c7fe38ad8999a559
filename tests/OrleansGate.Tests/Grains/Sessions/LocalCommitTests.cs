using Microsoft.Extensions.DependencyInjection;
using OrleansGate.Grains.Audit;
using OrleansGate.Grains.Policy;
using OrleansGate.Grains.Sessions;
using OrleansGate.Tests.Audit;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Grains.Sessions;

/// <summary>
/// A session grain answers a caller in its own process (the proxy of an all-in-one gateway) as soon
/// as the batch's record is handed to the audit writer, and leaves the commit for that caller to
/// wait on; anyone else (a standalone proxy, another silo) gets decisions only once they are
/// committed. Through the relay, AuditFirstTests prove that nothing reaches the target before its
/// record either way, and AuditStoreDownTests that a commit that fails refuses its batch.
/// </summary>
public sealed class LocalCommitTests(PostgresFixture postgres) : AuditTestBase(postgres)
{
    [Fact]
    public async Task A_caller_in_the_grains_process_waits_for_the_commit_the_grain_left_for_it()
    {
        var (session, id) = await StartSessionAsync();
        var commits = Gateway.Services.GetRequiredService<LocalAuditCommits>();

        var decided = await session.DecideAsync(QueryRequests.Of("SELECT 1"), callerProcess: commits.Process);

        Assert.True(decided.CommitPending);
        Assert.Equal(PolicyAction.Allow, Assert.Single(decided.Decisions).Action);
        var commit = commits.Take(id);
        Assert.NotNull(commit);
        await commit.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Null(commits.Take(id));
        Assert.Contains(await AuditRecord.ReadAsync(Postgres, id), e => e.Type == "statement_decided" && e.Text("Sql") == "SELECT 1");

        // The next batch links onto the one committed meanwhile: the chain has no gap.
        var next = await session.DecideAsync(QueryRequests.Of("SELECT 2"), callerProcess: commits.Process);
        await commits.Take(id)!.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(next.CommitPending);
        var positions = (await AuditRecord.ReadAsync(Postgres, id)).Select(e => e.Version).ToList();
        Assert.Equal(Enumerable.Range(1, positions.Count).Select(i => (long)i), positions);
    }

    [Fact]
    public async Task Any_other_caller_gets_its_decisions_only_once_they_are_committed()
    {
        var (session, id) = await StartSessionAsync();
        var commits = Gateway.Services.GetRequiredService<LocalAuditCommits>();

        foreach (var caller in new[] { Guid.Empty, Guid.NewGuid() })
        {
            var sql = $"SELECT '{caller}'";
            var decided = await session.DecideAsync(QueryRequests.Of(sql), callerProcess: caller);

            Assert.False(decided.CommitPending);
            Assert.Null(commits.Take(id));
            // Read at once, with nothing awaited in between: already in the record.
            Assert.Contains(await AuditRecord.ReadAsync(Postgres, id), e => e.Type == "statement_decided" && e.Text("Sql") == sql);
        }
    }

    private async Task<(ISessionGrain Session, string Id)> StartSessionAsync()
    {
        var id = Guid.NewGuid().ToString("N");
        var session = Gateway.Services.GetRequiredService<IGrainFactory>().GetGrain<ISessionGrain>(id);
        await session.StartAsync(new SessionStart("alice", ["analysts"], "main", "127.0.0.1", "local-commit", Tls: false));
        return (session, id);
    }
}
