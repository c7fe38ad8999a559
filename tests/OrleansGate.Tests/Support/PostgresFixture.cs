using System.Security.Cryptography;
using Npgsql;
using OrleansGate.Demo.Provisioning;
using Xunit;

namespace OrleansGate.Tests.Support;

/// <summary>
/// The PostgreSQL server of a test run, shared by every class of <see cref="PostgresCollection"/>,
/// <see cref="SecondPostgresCollection"/> and <see cref="ThirdPostgresCollection"/> (all three run side by side): ORLEANSGATE_TEST_PG when
/// set, else Testcontainers when a Docker engine answers, else a throwaway local cluster. It is
/// stopped when the last collection using it ends, whether tests passed or not. It also makes the
/// upstream roles the gateway logs in as, one per password method. Each collection records into
/// an audit database of its own, so a test reading "every session" sees only its collection's.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    /// <summary>Logs in with SCRAM-SHA-256 (the server default).</summary>
    public const string ScramUser = "og_upstream";
    /// <summary>Logs in with an MD5 challenge.</summary>
    public const string Md5User = "og_md5";
    /// <summary>Logs in with a cleartext password.</summary>
    public const string CleartextUser = "og_cleartext";

    private static readonly SemaphoreSlim SharedLock = new(1, 1);
    private static ProvisionedPostgres? _shared;
    private static int _users;
    private static int _fixtures;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<Type, Task<string>> _classDatabases = new();
    private ProvisionedPostgres? _server;

    /// <summary>Random per run, so a leak of it into any client-visible byte can be searched for.</summary>
    public string UpstreamPassword => SharedPassword;

    private static readonly string SharedPassword = "up-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12));

    /// <summary>The audit database this collection's gateways record into (each session is its own stream).</summary>
    public string AuditDatabase { get; } = AuditDatabaseNumber(Interlocked.Increment(ref _fixtures));

    private static string AuditDatabaseNumber(int fixture) => fixture == 1 ? "og_audit" : $"og_audit_{fixture}";

    /// <summary>The audit store's connection string (the superuser: tests also read and tamper with it).</summary>
    public string AuditConnectionString =>
        new NpgsqlConnectionStringBuilder(Server.ConnectionString(AuditDatabase)) { Pooling = true }.ConnectionString;

    public ProvisionedPostgres Server => _server ?? throw new InvalidOperationException("The fixture is not initialised.");

    public async Task InitializeAsync()
    {
        await SharedLock.WaitAsync();
        try
        {
            if (_shared is null)
            {
                _server = _shared = await PostgresProvisioner.ProvisionAsync(Environment.GetEnvironmentVariable(PostgresProvisioner.TestConnectionStringVariable));
                await CreateRolesAsync();
            }

            _server = _shared;
            _users++;
        }
        finally
        {
            SharedLock.Release();
        }

        await using var admin = await OpenAdminAsync();
        await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {AuditDatabase} WITH (FORCE)");
        await ExecuteAsync(admin, $"CREATE DATABASE {AuditDatabase}");
    }

    private async Task CreateRolesAsync()
    {
        await using var admin = await OpenAdminAsync();
        foreach (var (role, encryption) in new[] { (ScramUser, "scram-sha-256"), (Md5User, "md5"), (CleartextUser, "scram-sha-256") })
        {
            await ExecuteAsync(admin, $"""
                SET password_encryption = '{encryption}';
                DO $$ BEGIN
                  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN CREATE ROLE {role} LOGIN CREATEDB; END IF;
                END $$;
                ALTER ROLE {role} PASSWORD '{UpstreamPassword}';
                """);
        }

        await Server.AddHbaRulesAsync(
        [
            $"host all {Md5User} 127.0.0.1/32 md5",
            $"host all {CleartextUser} 127.0.0.1/32 password",
        ]);
    }

    /// <summary>The gateway the tests of the class now running share (<see cref="GatewayTestBase"/>).</summary>
    public ClassGateway ClassGateway { get; } = new();

    public async Task DisposeAsync()
    {
        await ClassGateway.DisposeAsync();
        await SharedLock.WaitAsync();
        try
        {
            if (_server is not null && --_users == 0)
            {
                await _shared!.DisposeAsync();
                _shared = null;
            }
        }
        finally
        {
            SharedLock.Release();
        }
    }

    public async Task<NpgsqlConnection> OpenAdminAsync(string database = "postgres")
    {
        var connection = new NpgsqlConnection(Server.ConnectionString(database));
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Creates (or re-creates) a database owned by the SCRAM upstream role, readable by the others.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        name = name.ToLowerInvariant()[..Math.Min(name.Length, 63)];
        await using var admin = await OpenAdminAsync();
        await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        await ExecuteAsync(admin, $"CREATE DATABASE \"{name}\" OWNER {ScramUser}");
        await using var database = await OpenAdminAsync(name);
        await ExecuteAsync(database, $"GRANT ALL ON SCHEMA public TO {Md5User}, {CleartextUser}");
        return name;
    }

    /// <summary>
    /// The database of a test class: created on the first call for that class (and its setup SQL
    /// run as the upstream role), then reused by the class's other tests.
    /// </summary>
    public Task<string> DatabaseForClassAsync(Type testClass, string? setUpSql) =>
        _classDatabases.GetOrAdd(testClass, async type =>
        {
            var name = await CreateDatabaseAsync("t_" + type.Name);
            if (setUpSql is not null)
            {
                await using var connection = new NpgsqlConnection(DirectConnectionString(name));
                await connection.OpenAsync();
                await ExecuteAsync(connection, setUpSql);
            }

            return name;
        });

    /// <summary>A direct (gateway-less) connection string for the upstream role, to compare results with.</summary>
    public string DirectConnectionString(string database, string user = ScramUser) =>
        Server.ConnectionString(database, user, UpstreamPassword);

    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "PostgreSQL";
}

/// <summary>
/// A second collection over the same server, run beside the first (xunit runs the classes of one
/// collection one after another): the approval and integrity tests, most of their time spent
/// waiting on timers, and the masking corpora, which would otherwise make the first the longest.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SecondPostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "PostgreSQL, second";
}

/// <summary>
/// A third, beside the other two: cluster mode (silos and proxy processes waiting on leases and
/// sweeps), the replay tool's processes, the demo, and the web console's browser tests (moved here
/// from the first, which was the longest). Mostly waiting too, so three collections on two CPUs
/// finish sooner than two.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ThirdPostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "PostgreSQL, third";
}

/// <summary>
/// Tests that measure the whole process (its managed heap): they run alone, after the parallel
/// collections, so nothing else allocates while they measure.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoloPostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "PostgreSQL, alone";
}
