using System.Buffers.Binary;
using System.Diagnostics;
using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace OrleansGate.Tests.Proxy.Robustness;

/// <summary>
/// Thousands of short sessions, some of them misbehaving, through one gateway: afterwards no
/// session, no database session and no memory is left behind. The gateway runs in this
/// process, so the managed heap measured here is the gateway's (plus the test's own, which is
/// collected before each measurement).
/// </summary>
[Collection(SoloPostgresCollection.Name)]
public sealed class SessionChurnTests(PostgresFixture postgres, ITestOutputHelper output) : RobustnessTestBase(postgres)
{
    private const int Sessions = 1000;
    private const int AtOnce = 8;
    // Measured growth is under 1 MiB; a 16 KiB buffer kept per session would add 15.6 MiB. (It
    // runs alone, after everything else: each thousand sessions is half a minute of the suite.)
    private const long AllowedGrowthBytes = 8L * 1024 * 1024;

    [Fact]
    public async Task A_thousand_short_sessions_good_and_bad_leave_nothing_behind()
    {
        await RunSessionsAsync(100); // warm up: JIT, pools and caches reach their steady size
        var before = HeapAfterFullCollection();
        var elapsed = Stopwatch.StartNew();

        await RunSessionsAsync(Sessions);

        await AssertNoSessionLeftAsync();
        await AssertNoUpstreamSessionLeftAsync();
        var growth = HeapAfterFullCollection() - before;
        output.WriteLine($"{Sessions} sessions in {elapsed.Elapsed.TotalSeconds:F1} s; managed heap grew by {growth / 1024} KiB");
        Assert.True(growth < AllowedGrowthBytes, $"the managed heap grew by {growth / (1024 * 1024)} MiB over {Sessions} sessions");
        await AssertGatewayStillServesAsync();
    }

    private async Task RunSessionsAsync(int count)
    {
        var next = -1;
        async Task WorkerAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await ((i % 10) switch
                {
                    0 => GarbageInsteadOfStartupAsync(),
                    1 => BadLengthAfterLoginAsync(),
                    2 => VanishMidResultAsync(),
                    _ => ShortQueryAsync(i),
                });
            }
        }

        await Task.WhenAll(Enumerable.Range(0, AtOnce).Select(_ => WorkerAsync())).WaitAsync(TimeSpan.FromMinutes(2));
    }

    private async Task ShortQueryAsync(int i)
    {
        await using var connection = await OpenViaGatewayAsync();
        await using var command = new NpgsqlCommand("SELECT $1::int + 1", connection) { Parameters = { new() { Value = i } } };
        Assert.Equal(i + 1, (int)(await command.ExecuteScalarAsync())!);
    }

    private async Task GarbageInsteadOfStartupAsync()
    {
        await using var client = await RawClient.ConnectAsync(Gateway.Port);
        await client.SendAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray());
        await AssertFatalAndClosedAsync(client, "08P01");
    }

    private async Task BadLengthAfterLoginAsync()
    {
        await using var client = await LoginRawAsync("churn");
        var header = new byte[] { (byte)'Q', 0, 0, 0, 0 };
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(1), int.MaxValue);
        await client.SendAsync(header);
        await AssertFatalAndClosedAsync(client, "08P01");
    }

    private async Task VanishMidResultAsync()
    {
        var client = await LoginRawAsync("churn");
        await client.QueryAsync("SELECT n, repeat('x', 100) FROM generate_series(1, 200000) AS n");
        Assert.NotNull(await client.ReadMessageAsync(Prompt));
        client.Abort();
        await client.DisposeAsync();
    }

    private async Task AssertNoUpstreamSessionLeftAsync()
    {
        var deadline = DateTime.UtcNow + Prompt;
        while (true)
        {
            await using var admin = await Postgres.OpenAdminAsync();
            await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = $1", admin)
            {
                Parameters = { new() { Value = Database } },
            };
            var left = (long)(await command.ExecuteScalarAsync())!;
            if (left == 0)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{left} database sessions are left");
            await Task.Delay(50);
        }
    }

    private static long HeapAfterFullCollection()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
