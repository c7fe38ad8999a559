using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace OrleansGate.Tests.Deployment;

/// <summary>One service of docker/compose.yaml, as compose would run it (anchors and merge keys resolved).</summary>
public sealed record ComposeService(
    string Name,
    string? Image,
    string? Dockerfile,
    IReadOnlyList<string>? Entrypoint,
    IReadOnlyList<string>? Command,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<(string Host, string Container)> Volumes,
    IReadOnlyList<string> DependsOn,
    bool HasHealthCheck);

/// <summary>Reads docker/compose.yaml and the Dockerfile it builds, for the tests that run the topology as processes.</summary>
public static partial class ComposeFile
{
    public static IReadOnlyList<ComposeService> Read(string path)
    {
        using var reader = new StringReader(File.ReadAllText(path));
        var document = new DeserializerBuilder().Build().Deserialize<Dictionary<string, object>>(new MergingParser(new Parser(reader)));
        var services = (Dictionary<object, object>)document["services"];
        return services.Select(s => Service((string)s.Key, (Dictionary<object, object>)s.Value)).ToList();
    }

    /// <summary>The last ENTRYPOINT and CMD of a Dockerfile (exec form), as the image runs them.</summary>
    public static (IReadOnlyList<string> Entrypoint, IReadOnlyList<string> Command) ImageDefaults(string dockerfile)
    {
        var text = File.ReadAllText(dockerfile);
        return (ExecForm(text, "ENTRYPOINT"), ExecForm(text, "CMD"));
    }

    private static List<string> ExecForm(string dockerfile, string instruction) =>
        Instruction().Matches(dockerfile).Where(m => m.Groups["name"].Value == instruction).Select(m =>
            System.Text.Json.JsonSerializer.Deserialize<List<string>>(m.Groups["args"].Value)!).LastOrDefault() ?? [];

    private static ComposeService Service(string name, Dictionary<object, object> service)
    {
        var build = service.GetValueOrDefault("build") as Dictionary<object, object>;
        return new ComposeService(
            name,
            service.GetValueOrDefault("image") as string,
            build?.GetValueOrDefault("dockerfile") as string,
            (service.GetValueOrDefault("entrypoint") as List<object>)?.Cast<string>().ToList(),
            (service.GetValueOrDefault("command") as List<object>)?.Cast<string>().ToList(),
            (service.GetValueOrDefault("environment") as Dictionary<object, object> ?? []).ToDictionary(e => (string)e.Key, e => e.Value?.ToString() ?? ""),
            (service.GetValueOrDefault("volumes") as List<object> ?? []).Cast<string>().Select(v => v.Split(':')).Select(p => (p[0], p[1])).ToList(),
            service.GetValueOrDefault("depends_on") switch
            {
                List<object> list => list.Cast<string>().ToList(),
                Dictionary<object, object> map => map.Keys.Cast<string>().ToList(),
                _ => [],
            },
            service.ContainsKey("healthcheck"));
    }

    [GeneratedRegex(@"^(?<name>ENTRYPOINT|CMD)\s+(?<args>\[.*\])\s*$", RegexOptions.Multiline)]
    private static partial Regex Instruction();
}
