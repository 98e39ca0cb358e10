using HoopGate.Sql;

namespace HoopGate.Policy;

/// <summary>
/// One compiled, immutable policy: what the file said, checked. Reload builds a new snapshot and swaps it in whole;
/// sessions pick it up at their next statement.
/// </summary>
public sealed class PolicySnapshot
{
    /// <summary>Creates a snapshot.</summary>
    public PolicySnapshot(
        string source,
        IReadOnlyList<string> searchPath,
        Permissions everyone,
        IReadOnlyDictionary<string, Permissions> groups,
        IReadOnlyList<NamePattern> deniedFunctions,
        IReadOnlyList<Guardrail> guardrails,
        MaskingPolicy? masking = null)
    {
        ArgumentNullException.ThrowIfNull(searchPath);
        Source = source;
        SearchPath = searchPath;
        Everyone = everyone;
        Groups = groups;
        DeniedFunctions = deniedFunctions;
        Guardrails = guardrails;
        Masking = masking ?? MaskingPolicy.Empty;
        Version = Interlocked.Increment(ref s_versions);
    }

    private static int s_versions;

    /// <summary>Increases with every snapshot made in this process; part of any cache key that depends on policy.</summary>
    public int Version { get; }

    /// <summary>Where the policy came from (a file path).</summary>
    public string Source { get; }

    /// <summary>
    /// The schemas an unqualified table name resolves to, as the upstream role's search_path has them (default
    /// <c>public</c>). A name beginning <c>pg_</c> resolves to <c>pg_catalog</c>, as PostgreSQL searches it first.
    /// </summary>
    public IReadOnlyList<string> SearchPath { get; }

    /// <summary>What every session may do.</summary>
    public Permissions Everyone { get; }

    /// <summary>What each group may do, in addition to <see cref="Everyone"/>.</summary>
    public IReadOnlyDictionary<string, Permissions> Groups { get; }

    /// <summary>Functions the file forbids, beyond <see cref="BuiltInRules"/>.</summary>
    public IReadOnlyList<NamePattern> DeniedFunctions { get; }

    /// <summary>Guardrails, in file order: the first that denies wins, else the first that asks for review.</summary>
    public IReadOnlyList<Guardrail> Guardrails { get; }

    /// <summary>Which columns are protected and how they are masked.</summary>
    public MaskingPolicy Masking { get; }

    /// <summary>The rules for a session whose identity carries <paramref name="groups"/>.</summary>
    public SessionPolicy ForGroups(IReadOnlyList<string> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        StatementKind kinds = Everyone.Kinds;
        var read = new List<TablePattern>(Everyone.Read);
        var write = new List<TablePattern>(Everyone.Write);
        var unmask = new List<ColumnPattern>(Everyone.Unmask);
        foreach (string group in groups)
        {
            if (Groups.TryGetValue(group, out Permissions? permissions))
            {
                kinds |= permissions.Kinds;
                read.AddRange(permissions.Read);
                write.AddRange(permissions.Write);
                unmask.AddRange(permissions.Unmask);
            }
        }

        var guardrails = new List<Guardrail>();
        foreach (Guardrail guardrail in Guardrails)
        {
            if (guardrail.AppliesTo(groups))
            {
                guardrails.Add(guardrail);
            }
        }

        return new SessionPolicy(this, groups, new Permissions(kinds, read, write) { Unmask = unmask }, guardrails);
    }

    /// <summary>The schema an unqualified name is judged in (see <see cref="SearchPath"/>).</summary>
    public string Resolve(RelationReference relation)
    {
        ArgumentNullException.ThrowIfNull(relation);
        if (relation.Schema is not null)
        {
            return relation.Schema;
        }

        return relation.Name.StartsWith("pg_", StringComparison.Ordinal) || SearchPath.Count == 0 ? "pg_catalog" : SearchPath[0];
    }
}
