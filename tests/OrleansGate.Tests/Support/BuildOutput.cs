namespace OrleansGate.Tests.Support;

/// <summary>Where a project of src/ builds, in the tests' own configuration and framework (src/Demo/bin/Release/net10.0/…).</summary>
public static class BuildOutput
{
    public static string Of(string project, string file)
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", project, "bin",
            framework.Parent!.Name, framework.Name, file));
    }
}
