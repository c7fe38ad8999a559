using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OrleansGate.Grains.Configuration;

namespace OrleansGate.Proxy.Hosting;

/// <summary>
/// What the gateway's programs share: where configuration comes from (appsettings.json, then
/// <c>--config FILE</c>, then <c>OrleansGate__…</c> environment variables, later ones winning)
/// and how a bad value is reported: one line per problem, naming the key, exit code 1.
/// </summary>
public static class GatewayHost
{
    public const int ExitOk = 0;
    public const int ExitConfigurationError = 1;
    public const int ExitUsage = 2;

    /// <summary>The sources every OrleansGate program reads (<see cref="ConfigurationSources"/>), the file watched for changes.</summary>
    public static void AddGatewayConfiguration(IConfigurationBuilder configuration, string? configFile) =>
        ConfigurationSources.Add(configuration, configFile, watch: true);

    /// <summary>Parses <c>[--config FILE]</c>; anything else is a usage error.</summary>
    public static bool TryParseConfigArgument(IReadOnlyList<string> args, out string? configFile, out string? error)
    {
        configFile = null;
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--config" && i + 1 < args.Count)
            {
                configFile = args[++i];
                if (!File.Exists(configFile))
                {
                    error = $"--config: file '{configFile}' does not exist";
                    return false;
                }
            }
            else
            {
                error = $"unexpected argument '{args[i]}'";
                return false;
            }
        }

        return true;
    }

    /// <summary>Runs a host until it stops; configuration errors become one line each on stderr.</summary>
    public static async Task<int> RunAsync(IHost host, CancellationToken cancellationToken = default)
    {
        if (!TryValidate(host))
        {
            return ExitConfigurationError;
        }

        try
        {
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Grains.Policy.Versions.PolicyVersionsUnavailableException e)
        {
            // Fail closed, in one line: without the policy version in force nothing may be decided.
            Report([e.Message], Console.Error);
            return ExitConfigurationError;
        }
        catch (Exception e) when (DescribeListenFailure(e) is { } line)
        {
            Report([line], Console.Error);
            return ExitConfigurationError;
        }

        return ExitOk;
    }

    /// <summary>The line for an address the gateway could not listen on (taken, or not allowed), or null when the exception is something else.</summary>
    public static string? DescribeListenFailure(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is System.Net.Sockets.SocketException
                { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse or System.Net.Sockets.SocketError.AccessDenied or System.Net.Sockets.SocketError.AddressNotAvailable })
            {
                return $"cannot listen on an address of Proxy:Listen, Proxy:HealthListen or Admin:Listen: {e.Message.ReplaceLineEndings(" ")}";
            }
        }

        return null;
    }

    /// <summary>Builds a host; a configuration file that cannot be read is reported as one line (on <paramref name="errors"/>, stderr by default).</summary>
    public static IHost? TryBuild(Func<IHost> build, TextWriter? errors = null)
    {
        try
        {
            return build();
        }
        catch (Exception e) when (DescribeConfigurationError(e) is { } lines)
        {
            Report(lines, errors ?? Console.Error);
            return null;
        }
    }

    /// <summary>
    /// Checks every option and builds every hosted service before anything starts, so a bad value
    /// is reported as one line per problem (on <paramref name="errors"/>, stderr by default) instead
    /// of a logged stack trace.
    /// </summary>
    public static bool TryValidate(IHost host, TextWriter? errors = null)
    {
        errors ??= Console.Error;
        try
        {
            host.Services.GetService<IStartupValidator>()?.Validate();
            _ = host.Services.GetServices<IHostedService>().ToList();
            return host.Services.GetService<ProxyServer>() is null || ParserLoads(errors);
        }
        catch (Exception e) when (DescribeConfigurationError(e) is { } lines)
        {
            Report(lines, errors);
            return false;
        }
    }

    /// <summary>A proxy parses every statement with libpg_query: without it, it stops here with one line instead of refusing every statement.</summary>
    private static bool ParserLoads(TextWriter errors)
    {
        try
        {
            Sql.SqlParser.EnsureAvailable();
            return true;
        }
        catch (Exception e) when (DescribeMissingParser(e) is { } line)
        {
            errors.WriteLine("start-up error: " + line);
            return false;
        }
    }

    /// <summary>The line for a libpg_query that cannot be loaded, or null when the exception is something else.</summary>
    public static string? DescribeMissingParser(Exception e) => e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException
        ? $"libpg_query (PostgreSQL's parser as a library) could not be loaded: {e.Message.ReplaceLineEndings(" ")}; install it (Debian: apt-get install libpg-query-dev)"
        : null;

    private static void Report(IEnumerable<string> lines, TextWriter errors)
    {
        foreach (var line in lines)
        {
            errors.WriteLine("configuration error: " + line);
        }
    }

    /// <summary>The lines that describe a configuration error, or null when the exception is something else.</summary>
    public static IReadOnlyList<string>? DescribeConfigurationError(Exception e) => e switch
    {
        OptionsValidationException validation => validation.Failures.ToList(),
        Configuration.InvalidConfigurationException invalid => [invalid.Message],
        AggregateException aggregate when aggregate.InnerExceptions.All(i => DescribeConfigurationError(i) is not null) =>
            aggregate.InnerExceptions.SelectMany(i => DescribeConfigurationError(i)!).ToList(),
        // The binder names the key: "Failed to convert configuration value at 'OrleansGate:Proxy:MaxMessageBytes' to type ...".
        InvalidOperationException { Message: var m } when Grains.Configuration.StrictBinding.Rephrase(m, null) is { } line => [line],
        // "Failed to load configuration from file '...'", with the parser's position in the inner exception.
        InvalidDataException { Message: var m, InnerException: var inner } when m.StartsWith("Failed to load configuration", StringComparison.Ordinal) =>
            [inner is null ? m : $"{m} {inner.Message.ReplaceLineEndings(" ")}"],
        FormatException { Message: var m } when m.Contains("JSON", StringComparison.OrdinalIgnoreCase) => [m.ReplaceLineEndings(" ")],
        _ => null,
    };
}
