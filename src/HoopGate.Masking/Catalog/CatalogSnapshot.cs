using HoopGate.Sql;

namespace HoopGate.Masking.Catalog;

/// <summary>
/// One database's relations and columns, read at one moment: what RowDescription's table OID and attribute number
/// stand for, and which names a statement's relations and functions resolve to. Immutable; replaced whole on refresh.
/// </summary>
public sealed class CatalogSnapshot
{
    private readonly Dictionary<uint, CatalogRelation> _byOid;
    private readonly Dictionary<string, List<CatalogRelation>> _byName;
    private readonly Dictionary<string, List<string>> _userFunctions;
    private ProtectionEntry? _protections;

    /// <summary>Creates a snapshot.</summary>
    /// <param name="relations">Every relation of the database.</param>
    /// <param name="userFunctions">Functions defined outside the system schemas, as (schema, name).</param>
    /// <param name="loadedAt">When it was read.</param>
    /// <param name="inheritance">Partitions and inheritance children, as (child, parent) OIDs.</param>
    public CatalogSnapshot(
        IEnumerable<CatalogRelation> relations,
        IEnumerable<(string Schema, string Name)> userFunctions,
        DateTimeOffset loadedAt,
        IEnumerable<(uint Child, uint Parent)>? inheritance = null)
    {
        ArgumentNullException.ThrowIfNull(relations);
        ArgumentNullException.ThrowIfNull(userFunctions);
        _byOid = [];
        _byName = new Dictionary<string, List<CatalogRelation>>(StringComparer.Ordinal);
        foreach (CatalogRelation relation in relations)
        {
            _byOid[relation.Oid] = relation;
            if (!_byName.TryGetValue(relation.Name, out List<CatalogRelation>? list))
            {
                _byName[relation.Name] = list = [];
            }

            list.Add(relation);
        }

        _userFunctions = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach ((string schema, string name) in userFunctions)
        {
            if (!_userFunctions.TryGetValue(name, out List<string>? schemas))
            {
                _userFunctions[name] = schemas = [];
            }

            schemas.Add(schema);
        }

        LoadedAt = loadedAt;
        foreach ((uint child, uint parent) in inheritance ?? [])
        {
            _parents.TryAdd(child, parent);
        }
    }

    private readonly Dictionary<uint, uint> _parents = [];

    /// <summary>The parent of a partition or inheritance child, or null.</summary>
    public CatalogRelation? Parent(CatalogRelation relation)
    {
        ArgumentNullException.ThrowIfNull(relation);
        return _parents.TryGetValue(relation.Oid, out uint parent) ? Find(parent) : null;
    }

    /// <summary>When the snapshot was read.</summary>
    public DateTimeOffset LoadedAt { get; }

    /// <summary>How many relations it holds.</summary>
    public int RelationCount => _byOid.Count;

    /// <summary>Every relation.</summary>
    public IEnumerable<CatalogRelation> Relations => _byOid.Values;

    /// <summary>The relation with that OID, or null (created after the snapshot, or not a relation).</summary>
    public CatalogRelation? Find(uint oid) => _byOid.GetValueOrDefault(oid);

    /// <summary>Whether a name in a statement stands for any relation the snapshot knows.</summary>
    public bool Contains(string? schema, string name)
    {
        if (!_byName.TryGetValue(name, out List<CatalogRelation>? list))
        {
            return false;
        }

        foreach (CatalogRelation relation in list)
        {
            if (schema is null || relation.Schema == schema)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The relations a name in a statement may stand for: the one in its schema when qualified, otherwise every
    /// relation of that name in any schema (the gateway does not know the session's search_path, so it assumes the worst).
    /// </summary>
    public IEnumerable<CatalogRelation> Resolve(string? schema, string name)
    {
        if (!_byName.TryGetValue(name, out List<CatalogRelation>? list))
        {
            yield break;
        }

        foreach (CatalogRelation relation in list)
        {
            if (schema is null || relation.Schema == schema)
            {
                yield return relation;
            }
        }
    }

    /// <summary>The schemas of functions of that name defined outside the system schemas (null when none).</summary>
    public IReadOnlyList<string>? UserFunctionSchemas(FunctionReference function)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (!_userFunctions.TryGetValue(function.Name, out List<string>? schemas))
        {
            return null;
        }

        return function.Schema is null ? schemas : schemas.Contains(function.Schema) ? [function.Schema] : null;
    }

    /// <summary>Which columns are protected under a masking policy (computed once per policy).</summary>
    internal ProtectionMap Protections(HoopGate.Policy.MaskingPolicy policy)
    {
        ProtectionEntry? current = Volatile.Read(ref _protections);
        if (current is not null && ReferenceEquals(current.Policy, policy))
        {
            return current.Map;
        }

        ProtectionMap map = ProtectionMap.Build(this, policy);
        Volatile.Write(ref _protections, new ProtectionEntry(policy, map));
        return map;
    }

    private sealed record ProtectionEntry(HoopGate.Policy.MaskingPolicy Policy, ProtectionMap Map);
}
