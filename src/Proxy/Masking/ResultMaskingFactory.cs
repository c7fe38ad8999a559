using Microsoft.Extensions.Options;
using OrleansGate.Grains.Configuration;
using OrleansGate.Proxy.Configuration;
using OrleansGate.Proxy.Relay;

namespace OrleansGate.Proxy.Masking;

/// <summary>Gives a new session its result masking (every target masks something: its policy's masks, or the built-in ones).</summary>
public sealed class ResultMaskingFactory(GatewayConfiguration gateway, IOptions<ProxyOptions> proxy, MaskingCatalogs catalogs)
{
    internal ResultMasking Open(TargetOptions target, IReadOnlyList<string> groups, PendingReplies replies)
    {
        var options = gateway.Current;
        // Validation requires the key when a mask hashes; otherwise a random one serves (nothing is hashed with it).
        var key = SecretsOptions.Decode(options.Secrets.MaskingKey) ?? System.Security.Cryptography.RandomNumberGenerator.GetBytes(SecretsOptions.KeyBytes);
        return new ResultMasking(replies, new MaskingKey(key), groups, catalogs, target.Name, proxy.Value.DecisionTimeout);
    }

    /// <summary>How many rows of each result the target's policy keeps as a preview (after masking); 0 = none.</summary>
    internal int PreviewRows(TargetOptions target) =>
        gateway.Current.Policies.Find(p => p.Name == target.Policy)?.ResultPreviewRows ?? Grains.Policy.PolicyOptions.DefaultResultPreviewRows;
}
