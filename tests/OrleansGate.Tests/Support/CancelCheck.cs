using System.Diagnostics;
using Npgsql;
using Xunit;

namespace OrleansGate.Tests.Support;

/// <summary>The cancel a user sees: a 30-second query stopped well before its end with 57014, and the session still usable.</summary>
public static class CancelCheck
{
    /// <summary>
    /// How soon a cancelled <c>pg_sleep(30)</c> must end: a third of the sleep, so a cancel that never
    /// reached the server (which would take all 30 s) fails, and a loaded 2-core machine running
    /// three test collections (where a working cancel has been seen to take a few seconds) does not.
    /// </summary>
    public static readonly TimeSpan Prompt = TimeSpan.FromSeconds(10);

    public static async Task AssertLongQueryIsCancelledAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT pg_sleep(30)", connection);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var clock = Stopwatch.StartNew();

        var canceled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => command.ExecuteNonQueryAsync(cancellation.Token));

        Assert.True(clock.Elapsed < Prompt, $"the query ran {clock.Elapsed} (cancelled at 0.5 s)");
        Assert.Equal("57014", Assert.IsType<PostgresException>(canceled.InnerException).SqlState);
        await using var next = new NpgsqlCommand("SELECT 1", connection);
        Assert.Equal(1, await next.ExecuteScalarAsync());
    }

    /// <summary>Waits until the database runs <paramref name="sql"/>, so a cancel cannot arrive before the statement.</summary>
    public static async Task WaitUntilRunningAsync(PostgresFixture postgres, string sql)
    {
        await using var admin = await postgres.OpenAdminAsync();
        await using var probe = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = @sql", admin);
        probe.Parameters.AddWithValue("sql", sql);
        var deadline = Stopwatch.StartNew();
        while ((long)(await probe.ExecuteScalarAsync())! == 0)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), $"'{sql}' never started");
            await Task.Delay(20);
        }
    }
}
