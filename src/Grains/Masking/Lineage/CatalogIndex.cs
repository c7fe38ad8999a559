using System.Runtime.CompilerServices;
using OrleansGate.Grains.Catalog;
using OrleansGate.Grains.Statements;

namespace OrleansGate.Grains.Masking.Lineage;

/// <summary>
/// A catalog snapshot arranged for name resolution: relations holding masked values by name, with
/// what each of their columns carries; the functions and operators that are the server's own
/// (everything else is user code the gateway cannot see into). Built once per snapshot.
/// </summary>
internal sealed class CatalogIndex
{
    private static readonly ConditionalWeakTable<MaskingCatalog, CatalogIndex> Built = [];

    private readonly Dictionary<string, List<RelationColumns>> _relationsByName = new(StringComparer.Ordinal);
    private readonly HashSet<string> _userFunctions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _userFunctionNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _knownFunctions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _knownFunctionNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _userOperators = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FunctionFacts> _facts = new(StringComparer.Ordinal);

    private CatalogIndex(MaskingCatalog catalog)
    {
        Catalog = catalog;
        var origins = new Dictionary<(uint, short), int>();
        for (var i = 0; i < catalog.Origins.Count; i++)
        {
            origins.TryAdd((catalog.Origins[i].TableOid, catalog.Origins[i].AttributeNumber), i);
        }

        foreach (var relation in catalog.Relations)
        {
            var columns = new Taint[relation.Columns.Count];
            for (var i = 0; i < columns.Length; i++)
            {
                columns[i] = origins.TryGetValue((relation.Oid, relation.AttributeNumbers[i]), out var origin) ? Taint.Column(origin) : Taint.Clean;
            }

            if (!_relationsByName.TryGetValue(relation.Name, out var sameName))
            {
                _relationsByName[relation.Name] = sameName = [];
            }

            sameName.Add(new RelationColumns(relation, columns));
        }

        foreach (var function in catalog.UserFunctions)
        {
            _userFunctions.Add(function);
            _userFunctionNames.Add(SqlNames.Unqualified(function));
        }

        foreach (var function in catalog.Functions)
        {
            _knownFunctions.Add(function.Schema + "." + function.Name);
            _knownFunctionNames.Add(function.Name);
            var user = !UpstreamCatalogReader.IsServerSchema(function.Schema) && !function.Extension;
            foreach (var key in (ReadOnlySpan<string>)[function.Name, function.Schema + "." + function.Name])
            {
                _facts[key] = _facts.TryGetValue(key, out var known)
                    ? new FunctionFacts(true, known.Volatile || function.Volatile, known.UserDefined || user)
                    : new FunctionFacts(true, function.Volatile, user);
            }
        }

        foreach (var op in catalog.UserOperators)
        {
            _userOperators.Add(op);
        }
    }

    public MaskingCatalog Catalog { get; }

    public static CatalogIndex For(MaskingCatalog catalog) => Built.GetValue(catalog, c => new CatalogIndex(c));

    /// <summary>The masked relations a name in FROM may be, fail closed: an unqualified name may be any schema's.</summary>
    public IReadOnlyList<RelationColumns> RelationsNamed(string? schema, string name)
    {
        if (!_relationsByName.TryGetValue(name, out var sameName))
        {
            return [];
        }

        return schema is null ? sameName : sameName.Where(r => r.Relation.Schema == schema).ToArray();
    }

    /// <summary>
    /// A call the gateway cannot see into: a user-defined function, or a name the catalog does
    /// not list at all (created since it was read, or not a function: the server then refuses it).
    /// The server's own functions compute only from their arguments.
    /// </summary>
    public bool IsOpaqueFunction(string name)
    {
        var qualified = name.Contains('.', StringComparison.Ordinal);
        if (qualified ? _userFunctions.Contains(SqlNames.WithoutCatalog(name)) : _userFunctionNames.Contains(name))
        {
            return true;
        }

        // A snapshot without the function list (an older silo's, or no masks) knows no names: only user functions count then.
        return Catalog.Functions.Count > 0 && !(qualified ? _knownFunctions.Contains(SqlNames.WithoutCatalog(name)) : _knownFunctionNames.Contains(name));
    }

    /// <summary>What the catalog says of every function a call by this name may be (an unqualified name: any schema's).</summary>
    public FunctionFacts FunctionFacts(string name) =>
        _facts.GetValueOrDefault(name.Contains('.', StringComparison.Ordinal) ? SqlNames.WithoutCatalog(name) : name, new FunctionFacts(false, false, false));

    /// <summary>Some operator a user defined exists: any operator in a statement may be it.</summary>
    public bool HasUserOperators => _userOperators.Count > 0;

    /// <summary>A relation named so (as written: <c>name</c> or <c>schema.name</c>) may be one that holds masked values.</summary>
    public bool MayHoldMaskedValues(string relation)
    {
        var dot = relation.LastIndexOf('.');
        return RelationsNamed(dot < 0 ? null : relation[..dot], dot < 0 ? relation : relation[(dot + 1)..]).Count > 0;
    }

    /// <summary>A user-defined function has this name (in functional notation, <c>t.f</c> calls it when t has no column f).</summary>
    public bool IsUserFunction(string name) => _userFunctionNames.Contains(SqlNames.Unqualified(name));

    /// <summary>An operator some schema other than pg_catalog defines: its function may do anything.</summary>
    public bool IsOpaqueOperator(string name) => _userOperators.Contains(SqlNames.Unqualified(name));

    /// <summary>The name of a masked origin, for the record.</summary>
    public string OriginName(int origin) => Catalog.Origins[origin].Name;
}

/// <summary>A relation with masked columns and what each of its columns (in attribute order) carries.</summary>
internal sealed record RelationColumns(MaskedRelation Relation, Taint[] Columns);

/// <summary>The functions a name may call: listed at all, any of them volatile (or a procedure), any of them user-defined.</summary>
internal readonly record struct FunctionFacts(bool Listed, bool Volatile, bool UserDefined);
