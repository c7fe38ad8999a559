using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace OrleansGate.Grains.Configuration;

/// <summary>
/// The configuration binder skips list elements it cannot convert and ignores keys it does not
/// know, so a target with <c>"SslMode": "Sometimes"</c> would silently vanish and a misspelt key
/// would silently do nothing. This re-binds each section or element strictly and reports every
/// such problem as one line that starts with the configuration key.
/// </summary>
public static partial class StrictBinding
{
    /// <summary>Problems binding <paramref name="path"/> as one <paramref name="type"/>.</summary>
    public static IEnumerable<string> Section(IConfiguration root, string path, Type type)
    {
        var section = root.GetSection(path);
        return section.Exists() ? Bind(root, section, type) : [];
    }

    /// <summary>Problems binding each child of <paramref name="path"/> as a <paramref name="elementType"/>.</summary>
    public static IEnumerable<string> List(IConfiguration root, string path, Type elementType) =>
        root.GetSection(path).GetChildren().SelectMany(child => Bind(root, child, elementType));

    /// <summary>
    /// Turns the binder's messages into lines that start with the key:
    /// "Failed to convert configuration value 'v' at 'K' to type 'T'." becomes "K: 'v' is not a valid T".
    /// </summary>
    public static string? Rephrase(string message, IConfiguration? root, string? sectionPath = null)
    {
        var conversion = ConversionFailure().Match(message);
        if (conversion.Success)
        {
            var key = conversion.Groups["key"].Value;
            var type = conversion.Groups["type"].Value;
            var typeName = type[(type.LastIndexOf('.') + 1)..];
            var value = conversion.Groups["value"].Success ? conversion.Groups["value"].Value : root?[key];
            return value is null ? $"{key}: not a valid {typeName}" : $"{key}: '{value}' is not a valid {typeName}";
        }

        var unknown = UnknownKeys().Match(message);
        if (unknown.Success && sectionPath is not null)
        {
            var names = unknown.Groups["names"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(n => n.Trim('\''));
            return string.Join("; ", names.Select(n => $"{KeyPath(root, sectionPath, n)}: unknown key"));
        }

        return null;
    }

    private static IEnumerable<string> Bind(IConfiguration root, IConfigurationSection section, Type type)
    {
        string? failure = null;
        try
        {
            section.Get(type, o => o.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            // Nested lists wrap the real failure ("'ErrorOnUnknownConfiguration' was set and binding
            // has failed"); the innermost message that names a key is the one to show.
            failure = Causes(e).Select(c => Rephrase(c.Message, root, section.Path)).LastOrDefault(m => m is not null)
                      ?? $"{section.Path}: {e.Message.ReplaceLineEndings(" ")}";
        }

        return failure is null ? [] : [failure];
    }

    /// <summary>
    /// The binder names an unknown key without the nested section it sits in
    /// (<c>Cluster:Tls:CertificateFiel</c> comes out as just <c>CertificateFiel</c>): find it.
    /// </summary>
    private static string KeyPath(IConfiguration? root, string sectionPath, string name)
    {
        var nested = root?.GetSection(sectionPath).AsEnumerable(makePathsRelative: true)
            .Select(pair => pair.Key)
            .Where(key => key.Equals(name, StringComparison.OrdinalIgnoreCase) || key.EndsWith(":" + name, StringComparison.OrdinalIgnoreCase))
            .OrderBy(key => key.Length)
            .FirstOrDefault();
        return $"{sectionPath}:{nested ?? name}";
    }

    private static IEnumerable<Exception> Causes(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            yield return current;
        }
    }

    [GeneratedRegex("^Failed to convert configuration value (?:'(?<value>[^']*)' )?at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex ConversionFailure();

    [GeneratedRegex("were not found on the instance of [^:]+: (?<names>.+)$")]
    private static partial Regex UnknownKeys();
}
