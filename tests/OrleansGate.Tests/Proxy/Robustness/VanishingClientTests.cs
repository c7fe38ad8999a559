using System.Diagnostics;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Robustness;

/// <summary>A client that disappears while a large result is streaming to it.</summary>
public sealed class VanishingClientTests(PostgresFixture postgres) : RobustnessTestBase(postgres)
{
    // About 200 MB of rows: far more than every buffer between the database and the client holds.
    private const string LargeResult = "SELECT n, repeat('x', 100) FROM generate_series(1, 2000000) AS n";

    [Theory]
    [InlineData(true)]   // reset (zero linger)
    [InlineData(false)]  // orderly close, then the gateway's writes hit a closed socket
    public async Task The_database_session_ends_soon_after_the_client_vanishes_mid_result(bool reset)
    {
        var application = reset ? "vanish-reset" : "vanish-close";
        var client = await LoginRawAsync(application);
        await client.QueryAsync(LargeResult);
        for (var rows = 0; rows < 1000;)
        {
            var message = await client.ReadMessageAsync(Prompt);
            rows += message?.Type == 'D' ? 1 : 0;
        }

        Assert.Equal(1, await UpstreamSessionsAsync(application));
        var vanished = Stopwatch.StartNew();
        if (reset)
        {
            client.Abort();
        }

        await client.DisposeAsync();

        await AssertUpstreamSessionEndsAsync(application, TimeSpan.FromSeconds(5));
        Assert.True(vanished.Elapsed < TimeSpan.FromSeconds(5), $"the database session lived on for {vanished.Elapsed}");
        await AssertNoSessionLeftAsync();
        await AssertGatewayStillServesAsync();
    }

    [Fact]
    public async Task Other_sessions_keep_their_results_while_a_client_vanishes()
    {
        await using var steady = await LoginRawAsync("vanish-neighbour");
        var leaving = await LoginRawAsync("vanish-leaving");
        await leaving.QueryAsync(LargeResult);
        await steady.QueryAsync("SELECT count(*) FROM generate_series(1, 50000)");
        Assert.NotNull(await leaving.ReadMessageAsync(Prompt));

        leaving.Abort();
        await leaving.DisposeAsync();
        var answer = await steady.ReadUntilReadyAsync(Prompt);
        await steady.QueryAsync("SELECT 'still here'");
        var second = await steady.ReadUntilReadyAsync(Prompt);

        Assert.Contains(answer, m => m.Type == 'D' && RawClient.Contains(m.Payload, "50000"));
        Assert.Contains(second, m => m.Type == 'D' && RawClient.Contains(m.Payload, "still here"));
        await AssertUpstreamSessionEndsAsync("vanish-leaving");
        Assert.Equal(1, await UpstreamSessionsAsync("vanish-neighbour"));
    }
}
