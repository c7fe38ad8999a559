namespace OrleansGate.Grains.Statements;

/// <summary>Setting values under the spellings PostgreSQL accepts for them.</summary>
public static class SettingValues
{
    /// <summary>A boolean setting's "on": on, true, yes or 1, in any case.</summary>
    public static bool IsOn(string? value) =>
        value is not null && (value.Equals("on", StringComparison.OrdinalIgnoreCase) || value.Equals("true", StringComparison.OrdinalIgnoreCase)
                              || value.Equals("yes", StringComparison.OrdinalIgnoreCase) || value == "1");

    /// <summary>The UTF8 encoding under any of its names: UTF8, utf-8, utf_8, unicode.</summary>
    public static bool IsUtf8(string? encoding)
    {
        var bare = encoding?.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).Trim();
        return bare is not null
               && (bare.Equals("UTF8", StringComparison.OrdinalIgnoreCase) || bare.Equals("UNICODE", StringComparison.OrdinalIgnoreCase));
    }
}
