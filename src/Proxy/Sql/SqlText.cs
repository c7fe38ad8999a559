namespace OrleansGate.Proxy.Sql;

/// <summary>
/// Whether the server reads a statement's text the same way under every setting a statement can
/// change. Three settings decide how the server splits text into tokens: client_encoding (how
/// bytes become characters), standard_conforming_strings and backslash_quote (what a backslash in a
/// string does). Text that is all ASCII and has no backslash is read the same under all of them:
/// every client encoding PostgreSQL accepts is ASCII-compatible, and without a backslash no string
/// literal can end elsewhere.
/// </summary>
internal static class SqlText
{
    public static bool ReadsTheSameUnderEverySetting(string sql)
    {
        foreach (var c in sql)
        {
            if (c >= 0x80 || c == '\\')
            {
                return false;
            }
        }

        return true;
    }
}
