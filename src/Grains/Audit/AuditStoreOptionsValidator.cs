using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansGate.Grains.Configuration;

namespace OrleansGate.Grains.Audit;

/// <summary>
/// The audit store must be named: without it no statement could ever be recorded, so none could
/// run. And the chain needs its key (<c>OrleansGate:Secrets:AuditKey</c>, invariant 5): checked here
/// because only the silo, which writes the record, needs it; a standalone proxy never holds it.
/// </summary>
public sealed class AuditStoreOptionsValidator(IConfiguration configuration) : IValidateOptions<AuditStoreOptions>
{
    public const string AuditKeySetting = "OrleansGate:Secrets:AuditKey";

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

        if (options.Writers is < 1 or > 16)
        {
            failures.Add($"{AuditStoreOptions.Section}:Writers: must be between 1 and 16");
        }

        if (string.IsNullOrEmpty(configuration[AuditKeySetting]))
        {
            failures.Add($"{AuditKeySetting}: is required (base64 of {SecretsOptions.KeyBytes} bytes, e.g. openssl rand -base64 32; " +
                         "it keys the audit record's hash chain and must not be stored in the audit database)");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
