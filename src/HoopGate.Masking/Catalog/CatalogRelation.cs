namespace HoopGate.Masking.Catalog;

/// <summary>A table, view, materialized view or foreign table of one database.</summary>
public sealed class CatalogRelation
{
    private readonly Dictionary<string, CatalogColumn> _byName;

    /// <summary>Creates a relation.</summary>
    /// <param name="oid">pg_class.oid.</param>
    /// <param name="schema">Its schema.</param>
    /// <param name="name">Its name.</param>
    /// <param name="kind">pg_class.relkind: r, p, v, m or f.</param>
    /// <param name="columns">Its columns (attnum &gt; 0, not dropped).</param>
    /// <param name="viewDefinition">For a view or materialized view outside the system schemas, its SELECT.</param>
    public CatalogRelation(uint oid, string schema, string name, char kind, IReadOnlyList<CatalogColumn> columns, string? viewDefinition)
    {
        ArgumentNullException.ThrowIfNull(columns);
        Oid = oid;
        Schema = schema;
        Name = name;
        Kind = kind;
        Columns = columns;
        ViewDefinition = viewDefinition;
        _byName = new Dictionary<string, CatalogColumn>(columns.Count, StringComparer.Ordinal);
        foreach (CatalogColumn column in columns)
        {
            _byName.TryAdd(column.Name, column);
        }

        MaxNumber = columns.Count == 0 ? (short)0 : columns.Max(c => c.Number);
    }

    /// <summary>pg_class.oid.</summary>
    public uint Oid { get; }

    /// <summary>The schema.</summary>
    public string Schema { get; }

    /// <summary>The relation's name.</summary>
    public string Name { get; }

    /// <summary>pg_class.relkind.</summary>
    public char Kind { get; }

    /// <summary>The columns, in attribute-number order.</summary>
    public IReadOnlyList<CatalogColumn> Columns { get; }

    /// <summary>A user view's definition, or null.</summary>
    public string? ViewDefinition { get; }

    /// <summary>The highest attribute number.</summary>
    public short MaxNumber { get; }

    /// <summary>True for views and materialized views.</summary>
    public bool IsView => Kind is 'v' or 'm';

    /// <summary>The column with that attribute number, or null.</summary>
    public CatalogColumn? Column(short number)
    {
        foreach (CatalogColumn column in Columns)
        {
            if (column.Number == number)
            {
                return column;
            }
        }

        return null;
    }

    /// <summary>The column of that name, or null.</summary>
    public CatalogColumn? Column(string name) => _byName.GetValueOrDefault(name);

    /// <inheritdoc/>
    public override string ToString() => Schema + "." + Name;
}
