using System.CommandLine;

namespace OrleansGate.ReplayTool.Cli;

/// <summary>Options every command accepts, before or after the command's name.</summary>
public sealed class GlobalOptions
{
    public Option<FileInfo?> Config { get; } = new("--config")
    {
        Description = "The gateway's configuration file (JSON); the admin API address is read from OrleansGate:Admin:Listen",
        Recursive = true,
    };

    public Option<string?> Url { get; } = new("--url")
    {
        Description = "The admin API's base URL (e.g. http://127.0.0.1:6480), instead of the configuration's",
        Recursive = true,
    };

    public Option<string?> Token { get; } = new("--token")
    {
        Description = "An identity's ApiToken (default: the ORLEANSGATE_TOKEN environment variable)",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print JSON instead of a table",
        Recursive = true,
    };

    public void AddTo(RootCommand root)
    {
        root.Add(Config);
        root.Add(Url);
        root.Add(Token);
        root.Add(Json);
    }
}
