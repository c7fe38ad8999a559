using System.Diagnostics;
using Npgsql;
using OrleansGate.Demo.Provisioning;

namespace OrleansGate.Tests.Support;

/// <summary>
/// Turns TLS on in the shared test server (ALTER SYSTEM + reload, no restart) with a test
/// certificate, and off again. The files are written by the server itself with adminpack's
/// pg_file_write, which creates them with the server's umask (0600) and as its OS user, as
/// PostgreSQL demands of a key file, whichever way the server was provisioned. (COPY ... TO
/// would not do: it creates files with mode 0644, and the server then refuses the key.) Tests of the PostgreSQL collection run one at a time, so no
/// other test sees the change; sessions already open are not affected by a reload either.
/// </summary>
public static class PostgresServerTls
{
    private const string CertificateFile = "og_test_server.crt";
    private const string KeyFile = "og_test_server.key";

    public static async Task EnableAsync(PostgresFixture postgres, TestCertificate certificate)
    {
        await using var admin = await postgres.OpenAdminAsync();
        await using var dataDirectory = new NpgsqlCommand("SELECT current_setting('data_directory')", admin);
        var directory = (string)(await dataDirectory.ExecuteScalarAsync())!;
        var certificatePath = $"{directory}/{CertificateFile}";
        var keyPath = $"{directory}/{KeyFile}";
        await PostgresFixture.ExecuteAsync(admin, "CREATE EXTENSION IF NOT EXISTS adminpack");
        await WriteServerFileAsync(admin, certificatePath, certificate.CertificatePem);
        await WriteServerFileAsync(admin, keyPath, certificate.KeyPem);
        await PostgresFixture.ExecuteAsync(admin, "DROP EXTENSION adminpack");

        // ALTER SYSTEM refuses to run inside a transaction block, so one statement per command.
        await PostgresFixture.ExecuteAsync(admin, $"ALTER SYSTEM SET ssl_cert_file = '{certificatePath}'");
        await PostgresFixture.ExecuteAsync(admin, $"ALTER SYSTEM SET ssl_key_file = '{keyPath}'");
        await PostgresFixture.ExecuteAsync(admin, "ALTER SYSTEM SET ssl = on");
        await PostgresFixture.ExecuteAsync(admin, "SELECT pg_reload_conf()");
        await WaitUntilAsync(postgres, "on");
        await WaitForTlsAsync(postgres);
    }

    public static async Task DisableAsync(PostgresFixture postgres)
    {
        await using var admin = await postgres.OpenAdminAsync();
        await PostgresFixture.ExecuteAsync(admin, "ALTER SYSTEM RESET ssl");
        await PostgresFixture.ExecuteAsync(admin, "ALTER SYSTEM RESET ssl_cert_file");
        await PostgresFixture.ExecuteAsync(admin, "ALTER SYSTEM RESET ssl_key_file");
        await PostgresFixture.ExecuteAsync(admin, "SELECT pg_reload_conf()");
        await WaitUntilAsync(postgres, "off");
    }

    /// <summary>The server's ssl setting as a new session sees it.</summary>
    public static async Task<string> CurrentSettingAsync(PostgresFixture postgres)
    {
        await using var connection = await postgres.OpenAdminAsync();
        await using var show = new NpgsqlCommand("SHOW ssl", connection);
        return (string)(await show.ExecuteScalarAsync())!;
    }

    // The postmaster applies a reload asynchronously; wait until new sessions see the new value.
    private static async Task WaitUntilAsync(PostgresFixture postgres, string expected)
    {
        var clock = Stopwatch.StartNew();
        while (await CurrentSettingAsync(postgres) != expected)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new InvalidOperationException($"the test server's ssl setting did not become '{expected}' after a reload");
            }

            await Task.Delay(25);
        }
    }

    // "ssl = on" shows as soon as the reload is read, but the server only offers TLS once it has
    // loaded the certificate; a key it rejects leaves TLS off, with the reason in the server log.
    private static async Task WaitForTlsAsync(PostgresFixture postgres)
    {
        var builder = new NpgsqlConnectionStringBuilder(postgres.Server.AdminConnectionString) { SslMode = SslMode.Require, Pooling = false };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync();
                return;
            }
            catch (NpgsqlException) when (clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(25);
            }
            catch (NpgsqlException e)
            {
                var log = postgres.Server is LocalPostgresCluster local && File.Exists(local.LogFile)
                    ? string.Join('\n', File.ReadLines(local.LogFile).TakeLast(10))
                    : "(no log file)";
                throw new InvalidOperationException("the test server does not offer TLS after ssl = on; its log ends:\n" + log, e);
            }
        }
    }

    // pg_file_write refuses to replace a file, so a previous test's file is removed first.
    private static async Task WriteServerFileAsync(NpgsqlConnection admin, string path, string content)
    {
        await using var write = new NpgsqlCommand("SELECT pg_file_unlink(@path), pg_file_write(@path, @content, false)", admin);
        write.Parameters.AddWithValue("path", path);
        write.Parameters.AddWithValue("content", content);
        await write.ExecuteNonQueryAsync();
    }
}
