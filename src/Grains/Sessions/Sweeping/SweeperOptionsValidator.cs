using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using OrleansGate.Grains.Configuration;
using OrleansGate.Grains.Sessions.Live;

namespace OrleansGate.Grains.Sessions.Sweeping;

/// <summary>Checks <c>OrleansGate:Sweeper</c>: a grace too short for the proxies' heartbeats would seal live sessions.</summary>
public sealed class SweeperOptionsValidator(IConfiguration configuration) : IValidateOptions<SweeperOptions>
{
    public ValidateOptionsResult Validate(string? name, SweeperOptions options)
    {
        var failures = StrictBinding.Section(configuration, SweeperOptions.Section, typeof(SweeperOptions)).ToList();
        if (failures.Count > 0)
        {
            return ValidateOptionsResult.Fail(failures);
        }

        if (options.Interval < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{SweeperOptions.Section}:Interval: must be at least 00:00:01 (got {options.Interval})");
        }
        else
        {
            var renewEvery = configuration.GetSection(ClusterOptions.Section).Get<ClusterOptions>()?.DirectoryRenewal ?? SessionDirectory.DefaultRenewEvery;
            var minimum = SweeperOptions.MinimumGrace(options.Interval, renewEvery);
            if (options.Grace < minimum)
            {
                failures.Add($"{SweeperOptions.Section}:Grace: must be at least twice Interval plus Cluster:DirectoryRenewal plus 10 s, " +
                             $"{minimum} here (got {options.Grace}); a shorter one could seal live sessions");
            }
        }

        if (options.MaxPerSweep < 1)
        {
            failures.Add($"{SweeperOptions.Section}:MaxPerSweep: must be at least 1 (got {options.MaxPerSweep})");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
