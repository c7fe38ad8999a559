using System.Diagnostics;
using Npgsql;
using Xunit;

namespace OrleansGate.Tests.Support;

/// <summary>The cancel a user sees: a long query stopped within two seconds with 57014, and the session still usable.</summary>
public static class CancelCheck
{
    public static async Task AssertLongQueryIsCancelledAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT pg_sleep(30)", connection);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var clock = Stopwatch.StartNew();

        var canceled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => command.ExecuteNonQueryAsync(cancellation.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2.5), $"the query ran {clock.Elapsed} (cancelled at 0.5 s)");
        Assert.Equal("57014", Assert.IsType<PostgresException>(canceled.InnerException).SqlState);
        await using var next = new NpgsqlCommand("SELECT 1", connection);
        Assert.Equal(1, await next.ExecuteScalarAsync());
    }
}
