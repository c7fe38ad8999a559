using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;
using OrleansGate.Demo.Provisioning;
using OrleansGate.Tests.Support;

namespace OrleansGate.Tests.Deployment;

/// <summary>
/// docker/compose.yaml run as processes on this machine, which has no Docker engine. Each service
/// gets a loopback address of its own (127.0.10.N) and runs with exactly the environment, command
/// and mounted files compose.yaml gives it, with three substitutions a container needs no more:
/// a service's name becomes its address, <c>0.0.0.0</c> becomes the service's own address (each
/// container has all of its addresses to itself), and a mounted container path becomes the copy
/// of the mounted file. postgres:* images are local clusters set up as the image does
/// (POSTGRES_PASSWORD, the *.sql of /docker-entrypoint-initdb.d in order, with psql); haproxy:*
/// is Debian's haproxy; services built from docker/Dockerfile run its ENTRYPOINT and CMD with the
/// programs of this build.
/// </summary>
public sealed partial class ComposeTopology : IAsyncDisposable
{
    private readonly string _dockerDirectory;
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("og-compose-");
    private readonly Dictionary<string, IPAddress> _addresses = new(StringComparer.Ordinal);
    private readonly List<LocalPostgresCluster> _databases = [];
    private readonly List<(string Service, Process Process)> _processes = [];
    private readonly ConcurrentDictionary<string, StringBuilder> _output = new(StringComparer.Ordinal);

    private ComposeTopology(string composeFile, IReadOnlyList<ComposeService> services)
    {
        _dockerDirectory = Path.GetDirectoryName(composeFile)!;
        Services = services;
        for (var i = 0; i < services.Count; i++)
        {
            _addresses[services[i].Name] = IPAddress.Parse($"127.0.10.{i + 2}");
        }
    }

    public IReadOnlyList<ComposeService> Services { get; }

    public IPAddress AddressOf(string service) => _addresses[service];

    public ComposeService this[string name] => Services.Single(s => s.Name == name);

    /// <summary>What a service's processes printed, for a failure message.</summary>
    public string OutputOf(string service) => _output.TryGetValue(service, out var output) ? output.ToString() : string.Empty;

    /// <summary>
    /// Starts every service as soon as the services it depends on are healthy, side by side as
    /// compose does (the two databases together, then the two silos, then the two proxies).
    /// </summary>
    public static async Task<ComposeTopology> StartAsync(string composeFile)
    {
        var topology = new ComposeTopology(composeFile, ComposeFile.Read(composeFile));
        var healthy = new Dictionary<string, Task>(StringComparer.Ordinal);
        try
        {
            foreach (var service in topology.InStartOrder())
            {
                healthy[service.Name] = topology.StartAfterAsync(service, service.DependsOn.Select(d => healthy[d]).ToArray());
            }

            await Task.WhenAll(healthy.Values);
            return topology;
        }
        catch
        {
            await topology.DisposeAsync();
            throw;
        }
    }

    private IEnumerable<ComposeService> InStartOrder()
    {
        var started = new HashSet<string>(StringComparer.Ordinal);
        var pending = Services.ToList();
        while (pending.Count > 0)
        {
            var next = pending.FirstOrDefault(s => s.DependsOn.All(started.Contains))
                ?? throw new InvalidOperationException("compose.yaml: a depends_on cycle among " + string.Join(", ", pending.Select(s => s.Name)));
            pending.Remove(next);
            started.Add(next.Name);
            yield return next;
        }
    }

    private async Task StartAfterAsync(ComposeService service, Task[] dependencies)
    {
        await Task.WhenAll(dependencies);
        await StartAsync(service);
    }

    private async Task StartAsync(ComposeService service)
    {
        var files = MountVolumes(service);
        switch (service)
        {
            case { Image: { } image } when image.StartsWith("postgres:", StringComparison.Ordinal):
                await StartPostgresAsync(service, files);
                break;
            case { Image: { } image } when image.StartsWith("haproxy:", StringComparison.Ordinal):
                await StartHaproxyAsync(service, files);
                break;
            case { Dockerfile: { } dockerfile }:
                await StartGatewayAsync(service, files, Path.GetFullPath(Path.Combine(_dockerDirectory, "..", dockerfile)));
                break;
            default:
                throw new InvalidOperationException($"compose.yaml: service {service.Name}: this test does not know how to run image '{service.Image}'");
        }
    }

    private async Task StartPostgresAsync(ComposeService service, IReadOnlyDictionary<string, string> files)
    {
        var cluster = await LocalPostgresCluster.StartAsync(new LocalClusterOptions { ListenAddress = AddressOf(service.Name).ToString(), Port = 5432 });
        lock (_databases)
        {
            _databases.Add(cluster);
        }

        var user = service.Environment.GetValueOrDefault("POSTGRES_USER", "postgres");
        var password = service.Environment["POSTGRES_PASSWORD"];
        var database = service.Environment.GetValueOrDefault("POSTGRES_DB", user);
        await using (var admin = new NpgsqlConnection(cluster.AdminConnectionString))
        {
            await admin.OpenAsync();
            await using var command = new NpgsqlCommand(
                $"ALTER ROLE postgres PASSWORD '{password.Replace("'", "''", StringComparison.Ordinal)}'", admin);
            await command.ExecuteNonQueryAsync();
        }

        // As docker-entrypoint.sh: every *.sql of the init folder, in name order, with psql as the superuser.
        if (files.TryGetValue("/docker-entrypoint-initdb.d", out var init))
        {
            foreach (var script in Directory.GetFiles(init, "*.sql").Order(StringComparer.Ordinal))
            {
                var result = await ClientTools.RunAsync("psql", ["-X", "-v", "ON_ERROR_STOP=1", "--no-password", "-f", script,
                    $"host={AddressOf(service.Name)} port=5432 user={user} password={password} dbname={database}"], init);
                if (result.ExitCode != 0)
                {
                    throw new InvalidOperationException($"{service.Name}: {Path.GetFileName(script)} failed: {result.Output}");
                }
            }
        }
    }

    private async Task StartGatewayAsync(ComposeService service, IReadOnlyDictionary<string, string> files, string dockerfile)
    {
        var (imageEntrypoint, imageCommand) = ComposeFile.ImageDefaults(dockerfile);
        var line = (service.Entrypoint ?? imageEntrypoint).Concat(service.Command ?? imageCommand).Select(a => Substitute(service, a, files)).ToList();
        // dotnet /app/silo/OrleansGate.Silo.dll …: the program of this build with the same name.
        var dll = line.FindIndex(a => a.EndsWith(".dll", StringComparison.Ordinal));
        if (line[0] != "dotnet" || dll != 1)
        {
            throw new InvalidOperationException($"{service.Name}: expected 'dotnet <program>.dll …', got {string.Join(' ', line)}");
        }

        var environment = service.Environment.ToDictionary(e => e.Key, e => Substitute(service, e.Value, files));
        var process = Process.Start(GatewayProcess.StartInfo(Path.GetFileNameWithoutExtension(line[1]), line.Skip(2), environment))!;
        Watch(service.Name, process);
        // The image's HEALTHCHECK: /readyz of the admin API (silos) or of the health listener (proxies).
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            foreach (var port in new[] { 6480, 6481 })
            {
                try
                {
                    if ((await http.GetAsync($"http://{AddressOf(service.Name)}:{port}/readyz")).StatusCode == HttpStatusCode.OK)
                    {
                        return;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // Not listening yet.
                }
            }

            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(120))
            {
                throw new InvalidOperationException($"{service.Name} never became healthy:\n{OutputOf(service.Name)}");
            }

            await Task.Delay(500);
        }
    }

    private async Task StartHaproxyAsync(ComposeService service, IReadOnlyDictionary<string, string> files)
    {
        var config = files["/usr/local/etc/haproxy/haproxy.cfg"];
        var check = await ClientTools.RunAsync("/usr/sbin/haproxy", ["-c", "-f", config]);
        if (check.ExitCode != 0)
        {
            throw new InvalidOperationException($"haproxy.cfg does not check: {check.Output}");
        }

        var process = Process.Start(new ProcessStartInfo("/usr/sbin/haproxy", ["-db", "-f", config])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        })!;
        Watch(service.Name, process);
        await WaitForTcpAsync(service.Name, 6432);
    }

    private async Task WaitForTcpAsync(string service, int port)
    {
        for (var i = 0; ; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(AddressOf(service), port);
                return;
            }
            catch (SocketException) when (i < 100)
            {
                await Task.Delay(200);
            }
        }
    }

    private void Watch(string service, Process process)
    {
        lock (_processes)
        {
            _processes.Add((service, process));
        }

        var output = _output.GetOrAdd(service, _ => new StringBuilder());
        void Append(string? line)
        {
            if (line is not null)
            {
                lock (output)
                {
                    output.AppendLine(line);
                }
            }
        }

        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Copies each mounted file or folder (its text with the substitutions) and returns container path → copy.</summary>
    private Dictionary<string, string> MountVolumes(ComposeService service)
    {
        var mounts = new Dictionary<string, string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var (host, container) in service.Volumes)
        {
            // Named by numbers only: a service's name in a path would be substituted like any other.
            var source = Path.GetFullPath(Path.Combine(_dockerDirectory, host));
            var folder = Path.Combine(_work.FullName, $"s{Services.ToList().IndexOf(service)}", $"m{index++}");
            mounts[container] = File.Exists(source) ? Path.Combine(folder, Path.GetFileName(source)) : folder;
        }

        foreach (var (host, container) in service.Volumes)
        {
            var source = Path.GetFullPath(Path.Combine(_dockerDirectory, host));
            var files = File.Exists(source) ? [(source, mounts[container])]
                : Directory.GetFiles(source, "*", SearchOption.AllDirectories).Select(f => (f, Path.Combine(mounts[container], Path.GetRelativePath(source, f))));
            foreach (var (from, to) in files)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                if (from.EndsWith(".pem", StringComparison.Ordinal))
                {
                    File.Copy(from, to);
                }
                else
                {
                    File.WriteAllText(to, Substitute(service, File.ReadAllText(from), mounts));
                }
            }
        }

        return mounts;
    }

    private string Substitute(ComposeService service, string text, IReadOnlyDictionary<string, string> mounts)
    {
        foreach (var (container, copy) in mounts.OrderByDescending(m => m.Key.Length))
        {
            text = text.Replace(container, copy, StringComparison.Ordinal);
        }

        text = text.Replace("0.0.0.0", AddressOf(service.Name).ToString(), StringComparison.Ordinal);
        return ServiceName().Replace(text, m => _addresses.TryGetValue(m.Value, out var address) ? address.ToString() : m.Value);
    }

    [GeneratedRegex(@"(?<![\w.-])[a-z][a-z0-9]*(?:-[a-z0-9]+)*(?![\w.-])")]
    private static partial Regex ServiceName();

    public async ValueTask DisposeAsync()
    {
        // In reverse: the load balancer, the proxies, the silos, then the databases.
        foreach (var (_, process) in Enumerable.Reverse(_processes))
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
                }
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                // Gone already.
            }

            process.Dispose();
        }

        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }

        _work.Delete(recursive: true);
    }
}
