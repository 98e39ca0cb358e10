using HoopGate.Policy;
using HoopGate.Sql;

namespace HoopGate.Masking.Catalog;

/// <summary>
/// The protected columns of one catalog snapshot under one masking policy: declared ones (name pattern or comment
/// tag), and view columns derived from them (the view's definition, read with the same lineage rules as a statement).
/// </summary>
internal sealed class ProtectionMap
{
    private readonly Dictionary<uint, ColumnProtection?[]> _byRelation = [];

    private ProtectionMap(MaskingPolicy policy)
    {
        Policy = policy;
    }

    public MaskingPolicy Policy { get; }

    /// <summary>The protection of a relation's column, or null when it is not protected.</summary>
    public ColumnProtection? Get(uint relation, short attribute) =>
        _byRelation.TryGetValue(relation, out ColumnProtection?[]? columns) && attribute > 0 && attribute < columns.Length ? columns[attribute] : null;

    /// <summary>The protection of a whole row of the relation (attribute 0): every protected column's sources, or null.</summary>
    public ColumnProtection? WholeRow(uint relation)
    {
        if (!_byRelation.TryGetValue(relation, out ColumnProtection?[]? columns))
        {
            return null;
        }

        var sources = new List<ColumnSource>();
        foreach (ColumnProtection? column in columns)
        {
            if (column is not null)
            {
                sources.AddRange(column.Sources);
            }
        }

        return new ColumnProtection(Policy.Expressions, sources.Distinct().ToList());
    }

    /// <summary>True when any column of the relation is protected.</summary>
    public bool HasProtected(uint relation) => _byRelation.ContainsKey(relation);

    public static ProtectionMap Build(CatalogSnapshot catalog, MaskingPolicy policy)
    {
        var map = new ProtectionMap(policy);
        var views = new List<CatalogRelation>();
        foreach (CatalogRelation relation in catalog.Relations)
        {
            foreach (CatalogColumn column in relation.Columns)
            {
                if (policy.Classify(relation.Schema, relation.Name, column.Name, column.Comment) is { } rule)
                {
                    map.Set(relation, column.Number, new ColumnProtection(rule, [new ColumnSource(relation.Schema, relation.Name, column.Name)]));
                }
            }

            if (relation.IsView && relation.ViewDefinition is not null)
            {
                views.Add(relation);
            }
        }

        // A partition or inheritance child holds its parent's rows: its columns are protected as the parent's are.
        foreach (CatalogRelation relation in catalog.Relations)
        {
            int depth = 0;
            for (CatalogRelation? parent = catalog.Parent(relation); parent is not null && depth < 32; parent = catalog.Parent(parent), depth++)
            {
                foreach (CatalogColumn column in relation.Columns)
                {
                    if (parent.Column(column.Name) is { } inherited && policy.Classify(parent.Schema, parent.Name, inherited.Name, inherited.Comment) is { } rule)
                    {
                        map.Set(relation, column.Number, new ColumnProtection(rule, [new ColumnSource(parent.Schema, parent.Name, inherited.Name)]));
                    }
                }
            }
        }

        // Views derive from their sources, which may be views: resolve each once, in dependency order.
        var done = new HashSet<uint>();
        foreach (CatalogRelation view in views)
        {
            map.ResolveView(catalog, view, done, depth: 0);
        }

        return map;
    }

    private void Set(CatalogRelation relation, short number, ColumnProtection protection)
    {
        if (!_byRelation.TryGetValue(relation.Oid, out ColumnProtection?[]? columns))
        {
            _byRelation[relation.Oid] = columns = new ColumnProtection?[relation.MaxNumber + 1];
        }

        columns[number] ??= protection;
    }

    private void ResolveView(CatalogSnapshot catalog, CatalogRelation view, HashSet<uint> done, int depth)
    {
        if (!done.Add(view.Oid))
        {
            return;
        }

        SqlAnalysis analysis = SqlAnalyzer.Analyze(view.ViewDefinition!);
        if (!analysis.IsValid || analysis.Statements.Count != 1)
        {
            // A definition the gateway cannot read: every column is treated as protected.
            MaskWhole(view, null);
            return;
        }

        StatementInfo statement = analysis.Statements[0];
        if (depth < 32)
        {
            foreach (RelationReference reference in statement.Relations)
            {
                foreach (CatalogRelation source in catalog.Resolve(reference.Schema, reference.Name))
                {
                    if (source.IsView && source.ViewDefinition is not null)
                    {
                        ResolveView(catalog, source, done, depth + 1);
                    }
                }
            }
        }

        var lineage = new LineageResolver(statement, catalog, this, static _ => true);
        if (!lineage.Tainted)
        {
            return;
        }

        foreach (CatalogColumn column in view.Columns)
        {
            if (lineage.ForResult(column.Number - 1) is { } protection)
            {
                Set(view, column.Number, protection);
            }
        }
    }

    private void MaskWhole(CatalogRelation view, ColumnProtection? protection)
    {
        foreach (CatalogColumn column in view.Columns)
        {
            Set(view, column.Number, protection ?? new ColumnProtection(Policy.Expressions, [new ColumnSource(view.Schema, view.Name, column.Name)]));
        }
    }
}
