using Microsoft.Extensions.Options;

namespace OrleansGate.Silo.Hosting;

/// <summary>How this process takes part in the gateway (<c>OrleansGate:Cluster</c>).</summary>
public sealed class ClusterOptions
{
    public const string Section = "OrleansGate:Cluster";

    /// <summary><c>AllInOne</c>: silo, proxy and admin API in one process (the default).</summary>
    public string Mode { get; set; } = "AllInOne";
}

public sealed class ClusterOptionsValidator : IValidateOptions<ClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterOptions options) => options.Mode switch
    {
        "AllInOne" => ValidateOptionsResult.Success,
        "Cluster" => ValidateOptionsResult.Fail(
            $"{ClusterOptions.Section}:Mode: 'Cluster' needs the Orleans silo, which this build does not have yet; use 'AllInOne'"),
        _ => ValidateOptionsResult.Fail($"{ClusterOptions.Section}:Mode: must be AllInOne or Cluster (got '{options.Mode}')"),
    };
}
