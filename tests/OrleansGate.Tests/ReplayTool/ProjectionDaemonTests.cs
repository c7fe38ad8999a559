using Npgsql;
using OrleansGate.Tests.Support;
using Xunit;

namespace OrleansGate.Tests.ReplayTool;

/// <summary><c>projections daemon</c> keeps the projections current without anyone listing.</summary>
public sealed class ProjectionDaemonTests(PostgresFixture postgres) : ReplayTestBase(postgres)
{
    [Fact]
    public async Task The_daemon_projects_a_new_session_on_its_own()
    {
        using var daemon = StartReplay("projections", "daemon");
        try
        {
            var id = await RunScriptedSessionAsync("daemon-" + Token());
            await using var audit = new NpgsqlConnection(Postgres.AuditConnectionString);
            await audit.OpenAsync();
            long? statements = null;
            for (var attempt = 0; attempt < 100 && statements is null; attempt++)
            {
                await using var command = new NpgsqlCommand(
                    "SELECT (data->>'Statements')::bigint FROM og_audit.mt_doc_sessionsummary WHERE id = @id AND data->>'End' IS NOT NULL", audit);
                command.Parameters.AddWithValue("id", id);
                statements = (long?)await command.ExecuteScalarAsync();
                if (statements is null)
                {
                    await Task.Delay(200);
                }
            }

            if (daemon.HasExited)
            {
                Assert.Fail($"the daemon exited ({daemon.ExitCode}): {await daemon.StandardError.ReadToEndAsync()}");
            }

            Assert.Equal(5L, statements);
        }
        finally
        {
            daemon.Kill(entireProcessTree: true);
            await daemon.WaitForExitAsync();
        }
    }
}
