using Microsoft.Extensions.Configuration;

namespace OrleansGate.Grains.Configuration;

/// <summary>
/// Where every OrleansGate program reads its configuration from, later ones winning:
/// appsettings.json (next to the program, then in the working directory), the <c>--config FILE</c>,
/// then <c>OrleansGate__Section__Key</c> environment variables. The gateway's programs and the
/// operator CLI share it, so one setting means the same thing to both.
/// </summary>
public static class ConfigurationSources
{
    /// <param name="configuration">The builder whose sources are replaced.</param>
    /// <param name="configFile">The <c>--config</c> file, or null.</param>
    /// <param name="watch">Reload when the file changes (the gateway); a one-shot command reads it once.</param>
    public static void Add(IConfigurationBuilder configuration, string? configFile, bool watch)
    {
        configuration.Sources.Clear();
        configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        configuration.AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true, reloadOnChange: false);
        if (configFile is not null)
        {
            configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: watch);
        }

        configuration.AddEnvironmentVariables();
    }
}
