using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using OrleansGate.Grains.Configuration;

namespace OrleansGate.Silo.Hosting;

/// <summary>How this process takes part in the gateway (<c>OrleansGate:Cluster</c>).</summary>
public sealed class ClusterOptions
{
    public const string Section = "OrleansGate:Cluster";

    /// <summary><c>AllInOne</c>: silo, proxy and admin API in one process (the default).</summary>
    public string Mode { get; set; } = "AllInOne";
}

public sealed class ClusterOptionsValidator(IConfiguration configuration) : IValidateOptions<ClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        var binding = StrictBinding.Section(configuration, ClusterOptions.Section, typeof(ClusterOptions)).ToList();
        return binding.Count > 0 ? ValidateOptionsResult.Fail(binding) : ValidateMode(options);
    }

    private static ValidateOptionsResult ValidateMode(ClusterOptions options) => options.Mode switch
    {
        "AllInOne" => ValidateOptionsResult.Success,
        "Cluster" => ValidateOptionsResult.Fail(
            $"{ClusterOptions.Section}:Mode: 'Cluster' needs the Orleans silo, which this build does not have yet; use 'AllInOne'"),
        _ => ValidateOptionsResult.Fail($"{ClusterOptions.Section}:Mode: must be AllInOne or Cluster (got '{options.Mode}')"),
    };
}
