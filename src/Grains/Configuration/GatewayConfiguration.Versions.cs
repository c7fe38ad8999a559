using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansGate.Grains.Policy;
using OrleansGate.Grains.Policy.Versions;

namespace OrleansGate.Grains.Configuration;

/// <summary>
/// Policy versions (docs/policies.md#versions): once a stored version is in force, the snapshot's
/// <c>Policies</c> are that version's and everything else is the file's. A version's document is
/// always checked together with the file (laid over it in place of its policies) by the same
/// validators as the file, so a target can never name a policy the version lacks.
/// </summary>
public sealed partial class GatewayConfiguration
{
    private readonly Lock _swap = new();

    /// <summary>The file's configuration as last validated (a copy: a broken edit of the file does not reach it).</summary>
    private IConfiguration _fileConfiguration;

    private PolicyVersion? _version;

    /// <summary>The policy version in force; null until one is (a gateway without a version store uses the file's policies).</summary>
    public PolicyVersion? PolicyVersion => _version;

    /// <summary>The policies the configuration file gives, as last validated.</summary>
    public IReadOnlyList<PolicyOptions> FilePolicies => PolicyDocument.Bind(_fileConfiguration);

    /// <summary>
    /// Set on a silo once policy versions are in force: records the file's policies as a new version
    /// when they changed (returning it; null when nothing was recorded). A file reload calls it
    /// before anything takes effect, so the file's policies are in force only once recorded.
    /// </summary>
    public Func<IReadOnlyList<PolicyOptions>, CancellationToken, Task<PolicyVersion?>>? RecordFilePolicies { get; set; }

    /// <summary>
    /// Checks a policies document as the file's policies would be checked: the bound policies, or
    /// null and one line per problem, each starting with its key (<c>OrleansGate:Policies:0:Rules:1:Action: …</c>).
    /// </summary>
    public (List<PolicyOptions>? Policies, IReadOnlyList<string> Problems) CheckPolicies(string document)
    {
        var (options, problems) = CheckOver(_fileConfiguration, document);
        return (options?.Policies, problems);
    }

    /// <summary>
    /// <paramref name="file"/> with <paramref name="document"/> in place of its policies, validated.
    /// Text that is not a JSON array is a problem like any other (a stored row too: it is refused, never thrown).
    /// </summary>
    private (GatewayOptions? Options, IReadOnlyList<string> Problems) CheckOver(IConfiguration file, string document)
    {
        IConfiguration composed;
        try
        {
            composed = PolicyDocument.Over(file, document);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            var message = e.Message.ReplaceLineEndings(" ");
            return (null, [message.StartsWith(GatewayOptions.Section, StringComparison.Ordinal) ? message : $"{GatewayOptions.Section}:Policies: not JSON ({message})"]);
        }

        return Check(composed);
    }

    /// <summary>
    /// Puts a stored version in force: the snapshot is replaced in one step, unless the version does
    /// not validate with the file (then the snapshot in force stays and the problems are returned
    /// and logged). An older version than the one in force is ignored: versions only move forward.
    /// </summary>
    public IReadOnlyList<string> UsePolicies(PolicyVersion version)
    {
        lock (_swap)
        {
            if (_version is { } inForce && inForce.Number >= version.Number)
            {
                return [];
            }

            var (candidate, problems) = CheckOver(_fileConfiguration, version.Document);
            if (candidate is null)
            {
                foreach (var problem in problems)
                {
                    LogVersionRefused(_logger, version.Number, problem);
                }

                return problems;
            }

            _version = version;
            _current = candidate;
            LogVersionInForce(_logger, version.Number, version.Author, candidate.Policies.Count);
        }

        Reloaded?.Invoke(_current);
        return [];
    }

    /// <summary>Records the file's policies as a version when they changed; null when nothing was recorded (or it could not be).</summary>
    private PolicyVersion? RecordFile(GatewayOptions file)
    {
        if (RecordFilePolicies is not { } record || _version is null)
        {
            return null;
        }

        try
        {
            // The file watcher's callback thread, not a request's: waiting here for one commit delays
            // only this reload, and the snapshot changes once, with the policies as recorded.
            return record(file.Policies, CancellationToken.None).GetAwaiter().GetResult();
        }
#pragma warning disable CA1031 // Unrecorded policies never take effect; the version in force stays.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogFileNotRecorded(_logger, e.Message.ReplaceLineEndings(" "));
            return null;
        }
    }

    /// <summary>
    /// The file, validated, becomes the base; with a version in force its policies stay that
    /// version's (or <paramref name="recorded"/>'s: the file's own policies, just recorded).
    /// </summary>
    private void TakeFile(IConfiguration file, GatewayOptions candidate, PolicyVersion? recorded)
    {
        lock (_swap)
        {
            if (recorded is not null && recorded.Number > (_version?.Number ?? 0))
            {
                _version = recorded;
            }

            if (_version is { } version)
            {
                var (composed, problems) = CheckOver(file, version.Document);
                _fileConfiguration = file;
                if (composed is null)
                {
                    // Left for the file's own policies to fix: they are recorded as the next version.
                    foreach (var problem in problems)
                    {
                        LogReloadRefused(_logger, $"with policy version {version.Number} in force: {problem}");
                    }

                    return;
                }

                candidate = composed;
            }
            else
            {
                _fileConfiguration = file;
            }

            _current = candidate;
            LogReloaded(_logger, candidate.Identities.Count, candidate.Targets.Count, candidate.Policies.Count);
        }

        Reloaded?.Invoke(candidate);
    }

    /// <summary>Binds and validates a whole configuration with every validator of <see cref="GatewayOptions"/>.</summary>
    private (GatewayOptions? Options, IReadOnlyList<string> Problems) Check(IConfiguration source)
    {
        GatewayOptions candidate;
        try
        {
            candidate = source.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
        }
        catch (InvalidOperationException e)
        {
            return (null, [StrictBinding.Rephrase(e.Message, source) ?? $"{GatewayOptions.Section}: {e.Message.ReplaceLineEndings(" ")}"]);
        }

        // The validators that read keys (strict binding: unknown keys, values that do not convert)
        // read them from the configuration being checked, not the one they were built with.
        var failures = _validators.Select(v => v is GatewayOptionsValidator keyed ? keyed.Over(source) : v)
            .Select(v => v.Validate(Options.DefaultName, candidate)).Where(r => r.Failed)
            .SelectMany(r => r.Failures ?? [r.FailureMessage ?? "invalid"]).ToList();
        return failures.Count > 0 ? (null, failures) : (candidate, []);
    }

    private static IConfiguration Freeze(IConfiguration configuration) =>
        new ConfigurationBuilder().AddInMemoryCollection(configuration.AsEnumerable()).Build();

    [LoggerMessage(Level = LogLevel.Information, Message = "Policy version {Version} (by {Author}) in force: {Policies} policies")]
    private static partial void LogVersionInForce(ILogger logger, int version, string author, int policies);

    [LoggerMessage(Level = LogLevel.Error, Message = "The configuration file's policies were not recorded as a version, the version in force stays: {Reason}")]
    private static partial void LogFileNotRecorded(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Policy version {Version} refused on this process, the policies in force stay: {Problem}")]
    private static partial void LogVersionRefused(ILogger logger, int version, string problem);
}
