using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrleansGate.Demo.Provisioning;
using OrleansGate.Proxy.Hosting;
using OrleansGate.Silo.Hosting;

namespace OrleansGate.Demo;

/// <summary>
/// <c>OrleansGate.Demo</c>: provisions PostgreSQL (ORLEANSGATE_DEMO_PG, else a Docker
/// container, else a throwaway local cluster), creates the sample <c>shop</c> target owned by a
/// role whose password only the gateway knows, writes a configuration file, runs the gateway
/// all-in-one and prints how to connect. Ctrl-C stops the gateway and removes the cluster.
/// </summary>
public static class DemoCommand
{
    public const string ConnectionStringVariable = "ORLEANSGATE_DEMO_PG";
    private const int PreferredPort = 6432;
    private const int PreferredAdminPort = 6480;
    private const string BobToken = "bob-token-0123456789";

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        if (args.Count > 0)
        {
            Console.Error.WriteLine($"usage: OrleansGate.Demo\nunexpected argument '{args[0]}'");
            return GatewayHost.ExitUsage;
        }

        Console.WriteLine("OrleansGate demo: provisioning PostgreSQL ...");
        await using var postgres = await PostgresProvisioner.ProvisionAsync(
            Environment.GetEnvironmentVariable(ConnectionStringVariable)).ConfigureAwait(false);
        Console.WriteLine($"  PostgreSQL: {postgres.Source} at {postgres.Host}:{postgres.Port}");

        var ownerPassword = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
        await ShopDatabase.CreateAsync(postgres.AdminConnectionString, "shop", "shop_owner", ownerPassword).ConfigureAwait(false);
        Console.WriteLine("  Target database 'shop' created: 1,000 customers (names, emails, SSNs, cards), 5,000 orders");

        await CreateAuditDatabaseAsync(postgres.AdminConnectionString).ConfigureAwait(false);
        Console.WriteLine($"  Audit database '{AuditDatabase}' created: every statement is recorded there before it runs");

        var port = IsFree(PreferredPort) ? PreferredPort : 0;
        // A concrete port, written into the file: the CLI finds the admin API through --config.
        var adminPort = IsFree(PreferredAdminPort) ? PreferredAdminPort : FreePort();
        var folder = Directory.CreateTempSubdirectory("orleansgate-demo-");
        var configFile = Path.Combine(folder.FullName, "orleansgate.json");
        await File.WriteAllTextAsync(configFile, JsonSerializer.Serialize(Configuration(postgres, ownerPassword, port, adminPort),
            new JsonSerializerOptions { WriteIndented = true })).ConfigureAwait(false);

        using var host = SiloHost.Build(configFile, configure: null);
        if (!GatewayHost.TryValidate(host))
        {
            return GatewayHost.ExitConfigurationError;
        }

        try
        {
            await host.StartAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (GatewayHost.DescribeListenFailure(e) is { } line)
        {
            // Another program took a port between the check above and the start: say so, and clean up.
            Console.Error.WriteLine($"OrleansGate demo: {line}; run the demo again");
            folder.Delete(recursive: true);
            return GatewayHost.ExitConfigurationError;
        }

        var bound = host.Services.GetRequiredService<ProxyServer>().BoundEndPoint;
        PrintWelcome(bound, configFile, adminPort);
        await host.WaitForShutdownAsync().ConfigureAwait(false);
        folder.Delete(recursive: true);
        return GatewayHost.ExitOk;
    }

    private const string AuditDatabase = "og_audit";

    private static async Task CreateAuditDatabaseAsync(string adminConnectionString)
    {
        await using var connection = new Npgsql.NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var exists = new Npgsql.NpgsqlCommand($"SELECT 1 FROM pg_database WHERE datname = '{AuditDatabase}'", connection);
        if (await exists.ExecuteScalarAsync().ConfigureAwait(false) is null)
        {
            await using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE {AuditDatabase}", connection);
            await create.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }

    private static object Configuration(ProvisionedPostgres postgres, string ownerPassword, int port, int adminPort) => new
    {
        Logging = new { LogLevel = new { Default = "Warning", Orleans = "Error", OrleansGate = "Information" } },
        OrleansGate = new
        {
            AuditStore = new
            {
                ConnectionString = new Npgsql.NpgsqlConnectionStringBuilder(postgres.AdminConnectionString) { Database = AuditDatabase }.ConnectionString,
            },
            Cluster = new { SiloPort = 0, GatewayPort = 0 },
            // Fresh for every demo run: hashed values (Hash masks) differ between runs, and each run's
            // audit record verifies with its own configuration file only.
            Secrets = new
            {
                MaskingKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
                AuditKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            },
            Proxy = new { Listen = $"127.0.0.1:{port}" },
            Admin = new { Listen = $"127.0.0.1:{adminPort}" },
            Identities = new object[]
            {
                new { Name = "alice", Password = "alice-secret", Groups = new[] { "analysts" } },
                new { Name = "bob", Password = "bob-secret", Groups = new[] { "approvers", "admins" }, ApiToken = BobToken },
            },
            Targets = new object[]
            {
                new
                {
                    Name = "shop", Host = postgres.Host, Port = postgres.Port, Database = "shop",
                    Username = "shop_owner", Password = ownerPassword, SslMode = "Prefer",
                    Groups = new[] { "analysts", "approvers" }, Policy = "shop",
                },
            },
            Policies = new object[]
            {
                new
                {
                    Name = "shop",
                    // Who approves the built-in holds (a COPY of masked columns: rule masking:copy-out).
                    ApproverGroups = new[] { "approvers" },
                    Masks = new object[]
                    {
                        new { Column = "public.customers.ssn", Strategy = "Redact" },
                        new { Column = "public.customers.email", Strategy = "Email" },
                        new { Column = "public.customers.card_number", Strategy = "Partial", KeepLast = 4 },
                        new { Column = "public.customers.phone", Strategy = "Hash", Unmasked = new[] { "approvers" } },
                    },
                    Rules = new object[]
                    {
                        new
                        {
                            Name = "analysts-read-only", Groups = new[] { "analysts" },
                            // Write: everything not proven read-only (locks, maintenance, NOTIFY and writing functions too).
                            Kinds = new[] { "Write" }, Action = "Block",
                        },
                    },
                },
            },
        },
    };

    private static void PrintWelcome(IPEndPoint bound, string configFile, int adminPort)
    {
        var tool = $"{ReplayToolCommand()} --config {configFile}";
        Console.WriteLine($"""

            OrleansGate is listening on {bound}  (configuration: {configFile})

            Connect as alice (group analysts):
              psql "host=127.0.0.1 port={bound.Port} dbname=shop user=alice password=alice-secret"

            Things to try:
              SELECT full_name, email, ssn, card_number, phone FROM customers LIMIT 5;   -- masked
              SELECT upper(ssn), row_to_json(c) FROM customers c LIMIT 2;              -- still masked
              SELECT count(*) FROM customers WHERE ssn LIKE '1%';  -- refused: filtering on a masked column reveals it
              SELECT status, count(*), sum(amount) FROM orders GROUP BY status;
              \copy (SELECT * FROM orders LIMIT 10) TO STDOUT
              SELECT pg_sleep(30);                -- then Ctrl-C: the cancel goes through the gateway

            Things the gateway refuses (each names the rule that refused it):
              DELETE FROM orders;                 -- analysts are read-only (rule analysts-read-only)
              WITH x AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM x;
              SELECT pg_read_file('/etc/passwd');  -- built-in rule default:server-file-functions
              SET ROLE postgres;                  -- built-in rule default:role-switch
            Log in as bob (approvers, password bob-secret) to see phone numbers in clear.
            A wrong password, an unknown database or `PGOPTIONS='-c role=postgres'` are refused at login.

            Just-in-time approval: in alice's psql, run
              COPY customers TO STDOUT;
            It copies masked columns, so it is held (rule masking:copy-out): psql waits, with a NOTICE
            naming the request. In a second terminal, bob (group approvers) lists and approves it:
              export ORLEANSGATE_TOKEN={BobToken}
              {tool} approvals list
              {tool} approvals approve <request id> --reason "demo export"
            and alice's rows arrive, masked, in the same psql session. Or, in a browser, open
              http://127.0.0.1:{adminPort}/console
            sign in with bob's token ({BobToken}) and press Approve.

            Every statement, allowed or not, is in the audit database '{AuditDatabase}' (Marten events,
            table og_audit.mt_events) before it reaches the shop database. Replay and check it:
              {tool} sessions list
              {tool} sessions play <session id>
              {tool} verify --all

            Press Ctrl-C here to stop the gateway and remove the demo database cluster.
            """);
    }

    /// <summary>
    /// How to run the replay tool from here: its build output next to this one (scripts/demo.sh
    /// builds it), else through dotnet run from the repository.
    /// </summary>
    private static string ReplayToolCommand()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        // …/src/Demo/bin/<configuration>/<framework>/ → …/src/ReplayTool/bin/<configuration>/<framework>/
        var src = output.Parent?.Parent?.Parent?.Parent;
        if (src is not null && output.Parent is { } configuration)
        {
            var tool = Path.Combine(src.FullName, "ReplayTool", "bin", configuration.Name, output.Name, "OrleansGate.ReplayTool.dll");
            if (File.Exists(tool))
            {
                return $"dotnet {tool}";
            }

            if (File.Exists(Path.Combine(src.FullName, "ReplayTool", "OrleansGate.ReplayTool.csproj")))
            {
                return $"dotnet run --project {Path.Combine(src.FullName, "ReplayTool")} -c Release --";
            }
        }

        return "OrleansGate.ReplayTool";
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
