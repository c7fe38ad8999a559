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

    /// <summary>Orleans silo-to-silo port; 0 picks a free one (tests).</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Orleans client gateway port, for standalone proxies; 0 picks a free one.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Orleans cluster id: silos and proxies with the same id form one gateway.</summary>
    public string ClusterId { get; set; } = "orleansgate";
}

public sealed class ClusterOptionsValidator(IConfiguration configuration) : IValidateOptions<ClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        var binding = StrictBinding.Section(configuration, ClusterOptions.Section, typeof(ClusterOptions)).ToList();
        return binding.Count > 0 ? ValidateOptionsResult.Fail(binding) : ValidateMode(options);
    }

    private static ValidateOptionsResult ValidateMode(ClusterOptions options)
    {
        foreach (var (key, port) in new[] { ("SiloPort", options.SiloPort), ("GatewayPort", options.GatewayPort) })
        {
            if (port is < 0 or > 65535)
            {
                return ValidateOptionsResult.Fail($"{ClusterOptions.Section}:{key}: must be between 0 and 65535 (got {port})");
            }
        }

        return string.IsNullOrWhiteSpace(options.ClusterId)
            ? ValidateOptionsResult.Fail($"{ClusterOptions.Section}:ClusterId: is required")
            : ValidateModeName(options);
    }

    private static ValidateOptionsResult ValidateModeName(ClusterOptions options) => options.Mode switch
    {
        "AllInOne" => ValidateOptionsResult.Success,
        "Cluster" => ValidateOptionsResult.Fail(
            $"{ClusterOptions.Section}:Mode: 'Cluster' (ADO.NET clustering) is not available in this build yet; use 'AllInOne'"),
        _ => ValidateOptionsResult.Fail($"{ClusterOptions.Section}:Mode: must be AllInOne or Cluster (got '{options.Mode}')"),
    };
}
