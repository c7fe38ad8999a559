using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace OrleansGate.Demo.Provisioning;

/// <summary>How to start a throwaway local cluster.</summary>
public sealed class LocalClusterOptions
{
    public int MaxConnections { get; init; } = 400;

    /// <summary>fsync and full-page writes on; off (faster, fine for throwaway data) by default.</summary>
    public bool Durable { get; init; }

    /// <summary>Extra postgresql.conf settings.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>The folder under which clusters are made; the system temp folder by default.</summary>
    public string? Root { get; init; }

    /// <summary>Keep the data folder after stopping (the demo keeps nothing either; tests may want to look).</summary>
    public bool KeepData { get; init; }

    /// <summary>The loopback address it listens on (any of 127.0.0.0/8).</summary>
    public string ListenAddress { get; init; } = "127.0.0.1";

    /// <summary>The port it listens on; a free one when null.</summary>
    public int? Port { get; init; }
}

/// <summary>
/// A PostgreSQL cluster made with the local binaries (initdb, pg_ctl, postgres) in a temporary
/// folder, listening on a free loopback port, with a random superuser password. initdb and
/// postgres refuse to run as root, so when this process is root they run as the
/// <c>postgres</c> OS user, which then owns the folder. Stopped and deleted on dispose; a
/// cluster left behind by a process that died is stopped and deleted by the next start.
/// </summary>
public sealed class LocalPostgresCluster : ProvisionedPostgres
{
    private const string SuperUser = "postgres";
    private const string OwnerFile = "owner.pid";

    private readonly string _folder;
    private readonly bool _keepData;
    private int _stopped;

    private LocalPostgresCluster(string connectionString, string binDirectory, string folder, bool keepData)
        : base(PostgresSource.LocalCluster, connectionString)
    {
        BinDirectory = binDirectory;
        _folder = folder;
        _keepData = keepData;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public string BinDirectory { get; }

    public string DataDirectory => Path.Combine(_folder, "data");

    public string LogFile => Path.Combine(_folder, "postgres.log");

    public static async Task<LocalPostgresCluster> StartAsync(LocalClusterOptions options, CancellationToken cancellationToken = default)
    {
        var bin = PostgresBinaries.Find() ?? throw new InvalidOperationException(
            "No PostgreSQL server binaries (initdb, pg_ctl, postgres) were found on PATH, through pg_config --bindir, " +
            "or in /usr/lib/postgresql/*/bin. Install them (Debian: apt-get install postgresql) or set " +
            PostgresProvisioner.TestConnectionStringVariable + ".");
        var root = Path.Combine(options.Root ?? Path.GetTempPath(), "orleansgate-pg");
        Directory.CreateDirectory(root);
        RemoveAbandonedClusters(root, bin);

        var folder = Path.Combine(root, Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, OwnerFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
            cancellationToken).ConfigureAwait(false);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var passwordFile = Path.Combine(folder, "pwfile");
        await File.WriteAllTextAsync(passwordFile, password + "\n", cancellationToken).ConfigureAwait(false);
        var asPostgres = OsUser.IsRoot;
        if (asPostgres)
        {
            await OsUser.GiveToPostgresAsync(root, folder, cancellationToken).ConfigureAwait(false);
        }

        var data = Path.Combine(folder, "data");
        var socket = Path.Combine(folder, "sock");
        await RunAsync(bin, "initdb", asPostgres, cancellationToken, "-D", data, "-U", SuperUser, "--pwfile", passwordFile,
            "-E", "UTF8", "--no-locale", "--no-sync", "--auth-local=trust", "--auth-host=scram-sha-256").ConfigureAwait(false);
        File.Delete(passwordFile);
        Directory.CreateDirectory(socket);
        if (asPostgres)
        {
            await OsUser.GiveToPostgresAsync(root, socket, cancellationToken).ConfigureAwait(false);
        }

        await File.WriteAllTextAsync(Path.Combine(data, "pg_hba.conf"),
            "local all all trust\nhost all all 127.0.0.0/8 scram-sha-256\nhost all all ::1/128 scram-sha-256\n",
            cancellationToken).ConfigureAwait(false);

        // A free port can be taken by someone else between the probe and the start; try a few.
        for (var attempt = 1; ; attempt++)
        {
            var port = options.Port ?? FreeLoopbackPort();
            await WriteSettingsAsync(data, port, socket, options, cancellationToken).ConfigureAwait(false);
            try
            {
                await RunAsync(bin, "pg_ctl", asPostgres, cancellationToken, "-D", data, "-l", Path.Combine(folder, "postgres.log"),
                    "-w", "-t", "60", "start").ConfigureAwait(false);
            }
            catch (InvalidOperationException) when (attempt < 3 && options.Port is null)
            {
                continue;
            }

            var connectionString = new NpgsqlConnectionStringBuilder
            {
                Host = options.ListenAddress, Port = port, Username = SuperUser, Password = password, Database = "postgres",
                Pooling = false, Timeout = 30,
            }.ConnectionString;
            var cluster = new LocalPostgresCluster(connectionString, bin, folder, options.KeepData);
            await cluster.WaitUntilReadyAsync(cancellationToken).ConfigureAwait(false);
            return cluster;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        await StopAsync().ConfigureAwait(false);
    }

    /// <summary>Prepends the lines to this cluster's pg_hba.conf directly, then reloads.</summary>
    public override async Task AddHbaRulesAsync(IReadOnlyList<string> lines, CancellationToken cancellationToken = default)
    {
        var file = Path.Combine(DataDirectory, "pg_hba.conf");
        var current = await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false);
        var missing = lines.Where(l => !current.Contains(l, StringComparison.Ordinal)).ToList();
        if (missing.Count > 0)
        {
            // Written in place, so the file keeps its owner (postgres) when this process is root.
            await File.WriteAllTextAsync(file, string.Join('\n', missing) + "\n" + current, cancellationToken).ConfigureAwait(false);
        }

        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await ReloadAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the server (fast shutdown) and deletes its folder unless asked to keep it.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        try
        {
            await RunAsync(BinDirectory, "pg_ctl", OsUser.IsRoot, CancellationToken.None, "-D", DataDirectory, "-m", "fast", "-w",
                "-t", "60", "stop").ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Already stopped; the folder still goes.
        }

        if (!_keepData)
        {
            TryDelete(_folder);
        }
    }

    /// <summary>Stops the server abruptly (immediate shutdown), as a crash would, keeping the folder.</summary>
    public Task KillAsync() =>
        RunAsync(BinDirectory, "pg_ctl", OsUser.IsRoot, CancellationToken.None, "-D", DataDirectory, "-m", "immediate", "-w", "stop");

    /// <summary>Starts a server stopped with <see cref="KillAsync"/> again, on the same port.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await RunAsync(BinDirectory, "pg_ctl", OsUser.IsRoot, cancellationToken, "-D", DataDirectory, "-l", LogFile, "-w", "-t", "60",
            "start").ConfigureAwait(false);
        await WaitUntilReadyAsync(cancellationToken).ConfigureAwait(false);
    }

    private void OnProcessExit(object? sender, EventArgs e) => StopAsync().GetAwaiter().GetResult();

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; ; i++)
        {
            try
            {
                await using var connection = new NpgsqlConnection(AdminConnectionString);
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (NpgsqlException) when (i < 50)
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task WriteSettingsAsync(string data, int port, string socket, LocalClusterOptions options,
        CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["listen_addresses"] = $"'{options.ListenAddress}'",
            ["port"] = port.ToString(CultureInfo.InvariantCulture),
            ["unix_socket_directories"] = $"'{socket}'",
            ["max_connections"] = options.MaxConnections.ToString(CultureInfo.InvariantCulture),
            ["shared_buffers"] = "'128MB'",
            ["fsync"] = options.Durable ? "on" : "off",
            ["synchronous_commit"] = options.Durable ? "on" : "off",
            ["full_page_writes"] = options.Durable ? "on" : "off",
            ["log_line_prefix"] = "'%m [%p] %q%u@%d '",
            // Commit times of the audit record, so tests (and auditors) can prove it was
            // committed before the statement ran upstream.
            ["track_commit_timestamp"] = "on",
        };
        foreach (var (key, value) in options.Settings)
        {
            settings[key] = value;
        }

        var auto = string.Join('\n', settings.Select(s => $"{s.Key} = {s.Value}")) + "\n";
        await File.WriteAllTextAsync(Path.Combine(data, "postgresql.auto.conf"), auto, cancellationToken).ConfigureAwait(false);
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>Stops and deletes clusters whose owning process is gone (a test run that was killed).</summary>
    private static void RemoveAbandonedClusters(string root, string bin)
    {
        foreach (var folder in Directory.EnumerateDirectories(root))
        {
            var ownerFile = Path.Combine(folder, OwnerFile);
            if (!File.Exists(ownerFile) || !int.TryParse(File.ReadAllText(ownerFile), NumberStyles.None, CultureInfo.InvariantCulture, out var owner) ||
                Directory.Exists($"/proc/{owner}"))
            {
                continue;
            }

            var data = Path.Combine(folder, "data");
            if (File.Exists(Path.Combine(data, "postmaster.pid")))
            {
                try
                {
                    RunAsync(bin, "pg_ctl", OsUser.IsRoot, CancellationToken.None, "-D", data, "-m", "immediate", "-w", "stop")
                        .GetAwaiter().GetResult();
                }
                catch (InvalidOperationException)
                {
                    // Not running after all.
                }
            }

            TryDelete(folder);
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next start's clean-up.
        }
    }

    private static async Task RunAsync(string bin, string program, bool asPostgres, CancellationToken cancellationToken,
        params string[] arguments)
    {
        var executable = Path.Combine(bin, program);
        var start = asPostgres
            ? new ProcessStartInfo("runuser") { ArgumentList = { "-u", "postgres", "--", executable } }
            : new ProcessStartInfo(executable);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.WorkingDirectory = "/";
        var result = await ProcessRunner.RunAsync(start, TimeSpan.FromMinutes(2), cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({result.ExitCode}): {result.Output.Trim()}");
        }
    }
}
