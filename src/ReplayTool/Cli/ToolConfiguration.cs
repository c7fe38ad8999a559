using Microsoft.Extensions.Configuration;
using OrleansGate.Grains.Audit;
using OrleansGate.Grains.Configuration;

namespace OrleansGate.ReplayTool.Cli;

/// <summary>
/// The gateway's configuration as the CLI reads it: the same sources and precedence as the
/// gateway's programs (<see cref="ConfigurationSources"/>: appsettings.json, <c>--config FILE</c>,
/// then <c>OrleansGate__Section__Key</c> environment variables), read once. Every command that
/// needs a setting (the audit store, the chain key, the admin API's address) reads it here.
/// </summary>
public sealed class ToolConfiguration(IConfiguration configuration)
{
    public static ToolConfiguration Load(FileInfo? config)
    {
        if (config is not null && !config.Exists)
        {
            throw new CommandFailedException($"--config: file '{config.FullName}' does not exist", ExitCodes.Usage);
        }

        var builder = new ConfigurationBuilder();
        ConfigurationSources.Add(builder, config?.FullName, watch: false);
        try
        {
            return new ToolConfiguration(builder.Build());
        }
        catch (InvalidDataException e)
        {
            throw new CommandFailedException($"--config: '{config?.FullName}' is not valid JSON ({(e.InnerException ?? e).Message.ReplaceLineEndings(" ")})",
                ExitCodes.Usage);
        }
    }

    /// <summary>The audit store's connection string (empty when unset) and schema (its default when unset).</summary>
    public AuditStoreOptions AuditStore() => new()
    {
        ConnectionString = this["AuditStore:ConnectionString"] ?? string.Empty,
        Schema = this["AuditStore:Schema"] ?? new AuditStoreOptions().Schema,
    };

    /// <summary>The value of <c>OrleansGate:{key}</c> (e.g. "AuditStore:ConnectionString"), or null when unset or blank.</summary>
    public string? this[string key] => configuration[$"OrleansGate:{key}"] is { } value && !string.IsNullOrWhiteSpace(value) ? value : null;
}
