using System.Collections.Concurrent;
using System.Security.Cryptography;
using OrleansGate.Grains.Configuration;
using OrleansGate.Proxy.Protocol.Backend;

namespace OrleansGate.Proxy.Cancellation;

/// <summary>
/// Maps the cancel keys the gateway hands to clients onto the upstream backends they stand for.
/// Clients never see an upstream key: a CancelRequest names the gateway's (process id, secret),
/// the secret is compared in constant time, and only then is the upstream key used.
/// </summary>
public sealed class CancelRegistry
{
    private readonly ConcurrentDictionary<int, Entry> _entries = new();

    /// <summary>Issues a fresh gateway key for an upstream backend.</summary>
    public BackendKey Register(TargetOptions target, BackendKey upstreamKey, Action? onCancel = null)
    {
        while (true)
        {
            // A positive id, as PostgreSQL's process ids are; clients such as pgJDBC print them.
            var processId = RandomNumberGenerator.GetInt32(1, int.MaxValue);
            var secret = BitConverter.ToInt32(RandomNumberGenerator.GetBytes(4));
            var key = new BackendKey(processId, secret);
            if (_entries.TryAdd(processId, new Entry(key, target, upstreamKey, onCancel)))
            {
                return key;
            }
        }
    }

    public void Unregister(BackendKey gatewayKey) => _entries.TryRemove(gatewayKey.ProcessId, out _);

    /// <summary>The upstream backend a client's key stands for, when the secret matches.</summary>
    public bool TryResolve(BackendKey clientKey, out TargetOptions target, out BackendKey upstreamKey)
    {
        target = null!;
        upstreamKey = default;
        if (!_entries.TryGetValue(clientKey.ProcessId, out var entry))
        {
            return false;
        }

        Span<byte> given = stackalloc byte[4];
        Span<byte> expected = stackalloc byte[4];
        BitConverter.TryWriteBytes(given, clientKey.SecretKey);
        BitConverter.TryWriteBytes(expected, entry.GatewayKey.SecretKey);
        if (!CryptographicOperations.FixedTimeEquals(given, expected))
        {
            return false;
        }

        target = entry.Target;
        upstreamKey = entry.UpstreamKey;
        // A statement held for approval is not upstream: the session itself must hear the cancel.
        entry.OnCancel?.Invoke();
        return true;
    }

    public int Count => _entries.Count;

    private sealed record Entry(BackendKey GatewayKey, TargetOptions Target, BackendKey UpstreamKey, Action? OnCancel);
}
