namespace OrleansGate.Proxy.Configuration;

/// <summary>
/// A configuration value that passed the shape checks but could not be used (a certificate file
/// that does not load, say). Its message starts with the key, like a validation failure.
/// </summary>
public sealed class InvalidConfigurationException(string key, string problem, Exception? inner = null)
    : Exception($"{key}: {problem}", inner)
{
    public string Key { get; } = key;
}
