using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using OrleansGate.Grains.Configuration;

namespace OrleansGate.Grains.Catalog;

/// <summary>Checks <see cref="CatalogOptions"/>; each failure is one line starting with its key.</summary>
public sealed class CatalogOptionsValidator(IConfiguration configuration) : IValidateOptions<CatalogOptions>
{
    public ValidateOptionsResult Validate(string? name, CatalogOptions options)
    {
        var failures = StrictBinding.Section(configuration, CatalogOptions.Section, typeof(CatalogOptions)).ToList();
        if (options.RefreshInterval <= TimeSpan.Zero)
        {
            failures.Add($"{CatalogOptions.Section}:RefreshInterval: must be positive");
        }

        if (options.ErrorRetryInterval <= TimeSpan.Zero)
        {
            failures.Add($"{CatalogOptions.Section}:ErrorRetryInterval: must be positive");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
