namespace OrleansGate.Tests.Support;

/// <summary>
/// The gateway the tests of one class share, kept by their collection's <see cref="PostgresFixture"/>.
/// A collection runs its classes one after another, so one slot serves it: the next class (or
/// another configuration) replaces the gateway, and the fixture disposes the last one.
/// </summary>
public sealed class ClassGateway : IAsyncDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private (Type Owner, string Configuration, TestGateway Gateway)? _current;

    /// <summary>The shared gateway of <paramref name="owner"/> with this configuration, started when it has none.</summary>
    public async Task<TestGateway> GetAsync(Type owner, System.Text.Json.Nodes.JsonObject configuration)
    {
        var key = configuration.ToJsonString();
        await _lock.WaitAsync();
        try
        {
            if (_current is { } current && current.Owner == owner && current.Configuration == key)
            {
                current.Gateway.Log.Clear(); // each test sees only what it logged
                return current.Gateway;
            }

            await DisposeCurrentAsync();
            var gateway = await TestGateway.StartAsync(configuration);
            _current = (owner, key, gateway);
            return gateway;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>A test replaced the shared gateway (a restart): the new one is shared from now on.</summary>
    public async Task ReplaceAsync(TestGateway old, TestGateway replacement)
    {
        await _lock.WaitAsync();
        try
        {
            if (_current is { } current && ReferenceEquals(current.Gateway, old))
            {
                _current = current with { Gateway = replacement };
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    public bool Holds(TestGateway gateway) => _current is { } current && ReferenceEquals(current.Gateway, gateway);

    public async ValueTask DisposeAsync()
    {
        await _lock.WaitAsync();
        try
        {
            await DisposeCurrentAsync();
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task DisposeCurrentAsync()
    {
        if (_current is { } current)
        {
            _current = null;
            await current.Gateway.DisposeAsync();
        }
    }
}
