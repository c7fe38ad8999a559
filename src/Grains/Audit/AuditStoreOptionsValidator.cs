using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansGate.Grains.Configuration;

namespace OrleansGate.Grains.Audit;

/// <summary>The audit store must be named: without it no statement could ever be recorded, so none could run.</summary>
public sealed class AuditStoreOptionsValidator(IConfiguration configuration) : IValidateOptions<AuditStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, AuditStoreOptions options)
    {
        var failures = StrictBinding.Section(configuration, AuditStoreOptions.Section, typeof(AuditStoreOptions)).ToList();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add($"{AuditStoreOptions.Section}:ConnectionString: is required (the audit database, e.g. Host=127.0.0.1;Database=og_audit;Username=og;Password=…)");
        }
        else
        {
            try
            {
                _ = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            }
            catch (ArgumentException e)
            {
                failures.Add($"{AuditStoreOptions.Section}:ConnectionString: not a valid connection string ({e.Message.ReplaceLineEndings(" ")})");
            }
        }

        if (string.IsNullOrWhiteSpace(options.Schema))
        {
            failures.Add($"{AuditStoreOptions.Section}:Schema: is required");
        }

        if (options.CommitTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{AuditStoreOptions.Section}:CommitTimeout: must be positive");
        }

        if (options.MaxBatch < 1)
        {
            failures.Add($"{AuditStoreOptions.Section}:MaxBatch: must be at least 1");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
