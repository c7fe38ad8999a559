using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OrleansGate.Grains.Configuration;

namespace OrleansGate.Tests.Support;

/// <summary>Rewrites a watched configuration file and waits for the gateway to take it, or to refuse it.</summary>
public static class ConfigReload
{
    /// <summary>Writes the file and returns once the gateway's configuration in force is the new one.</summary>
    public static async Task RewriteAndWaitAsync(TestGateway gateway, string file, JsonObject configuration)
    {
        var snapshot = gateway.Services.GetRequiredService<GatewayConfiguration>();
        var reloaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnReloaded(GatewayOptions _) => reloaded.TrySetResult();
        snapshot.Reloaded += OnReloaded;
        try
        {
            await File.WriteAllTextAsync(file, configuration.ToJson());
            await reloaded.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            snapshot.Reloaded -= OnReloaded;
        }
    }

    /// <summary>Writes the (broken) file and returns once the gateway has logged its refusal naming <paramref name="key"/>.</summary>
    public static async Task RewriteAndWaitForRefusalAsync(TestGateway gateway, string file, JsonObject configuration, string key)
    {
        int Refusals() => gateway.Log.Errors.Count(e => e.Contains("reload refused", StringComparison.Ordinal) && e.Contains(key, StringComparison.Ordinal));
        var before = Refusals();
        await File.WriteAllTextAsync(file, configuration.ToJson());
        await Eventually.HoldsAsync(() => Refusals() > before, TimeSpan.FromSeconds(30));
    }
}
