namespace OrleansGate.Tests.Support;

/// <summary>Files of the repository the tests read as a user would (docs, docker/, deploy/), found by walking up from the build output.</summary>
public static class RepositoryFile
{
    public static string PathOf(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate) || Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{relative}: not found above {AppContext.BaseDirectory}");
    }
}
