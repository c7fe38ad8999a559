using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.Proxy.Robustness;

/// <summary>Many clients at once, each with its own database session, all open at the same time.</summary>
public sealed class ConcurrentConnectionTests(PostgresFixture postgres) : RobustnessTestBase(postgres)
{
    private const int Clients = 200;

    [Fact]
    public async Task Two_hundred_concurrent_connections_all_get_their_own_correct_answers()
    {
        var allOpen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var opened = 0;
        var peakSessions = 0;

        async Task<List<string>> RunClientAsync(int id)
        {
            await using var connection = new NpgsqlConnection(ViaGateway(b => { b.ApplicationName = $"concurrent-{id}"; b.Timeout = 60; }));
            await connection.OpenAsync();
            if (Interlocked.Increment(ref opened) == Clients)
            {
                peakSessions = Gateway.Server.ActiveSessions;
                allOpen.SetResult();
            }

            // Every connection stays open until all are: the gateway really holds 200 sessions at once.
            await allOpen.Task.WaitAsync(TimeSpan.FromSeconds(90));
            var answers = new List<string>();
            await using (var command = new NpgsqlCommand("SELECT current_setting('application_name')", connection))
            {
                answers.Add((string)(await command.ExecuteScalarAsync())!);
            }

            await using (var command = new NpgsqlCommand("SELECT sum(n)::text FROM generate_series(1, $1) AS n", connection))
            {
                command.Parameters.Add(new NpgsqlParameter { Value = id });
                answers.Add((string)(await command.ExecuteScalarAsync())!);
            }

            await using (var command = new NpgsqlCommand("SELECT pg_backend_pid()::text", connection))
            {
                answers.Add((string)(await command.ExecuteScalarAsync())!);
            }

            return answers;
        }

        var results = await Task.WhenAll(Enumerable.Range(1, Clients).Select(RunClientAsync));

        Assert.Equal(Clients, peakSessions);
        for (var id = 1; id <= Clients; id++)
        {
            Assert.Equal($"concurrent-{id}", results[id - 1][0]);
            Assert.Equal((id * (id + 1) / 2).ToString(System.Globalization.CultureInfo.InvariantCulture), results[id - 1][1]);
        }

        Assert.Equal(Clients, results.Select(r => r[2]).Distinct().Count());
        await AssertNoSessionLeftAsync();
    }
}
