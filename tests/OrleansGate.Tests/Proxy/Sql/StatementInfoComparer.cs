using OrleansGate.Grains.Statements;

namespace OrleansGate.Tests.Proxy.Sql;

/// <summary>Compares statement infos by value, lists included (records compare lists by reference).</summary>
internal sealed class StatementInfoComparer : IEqualityComparer<StatementInfo>
{
    public static readonly StatementInfoComparer Instance = new();

    public bool Equals(StatementInfo? x, StatementInfo? y) =>
        x is not null && y is not null
        && x with { Kinds = [], RelationsRead = [], RelationsWritten = [], Functions = [], Columns = [], SettingChanges = [], Query = null, Inner = null }
            == y with { Kinds = [], RelationsRead = [], RelationsWritten = [], Functions = [], Columns = [], SettingChanges = [], Query = null, Inner = null }
        && x.Kinds.SequenceEqual(y.Kinds) && x.RelationsRead.SequenceEqual(y.RelationsRead)
        && x.RelationsWritten.SequenceEqual(y.RelationsWritten) && x.Functions.SequenceEqual(y.Functions)
        && x.Columns.SequenceEqual(y.Columns) && x.SettingChanges.SequenceEqual(y.SettingChanges);

    public int GetHashCode(StatementInfo obj) => obj.Sql.GetHashCode(StringComparison.Ordinal);
}
