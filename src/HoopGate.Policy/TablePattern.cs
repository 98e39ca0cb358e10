using HoopGate.Sql;

namespace HoopGate.Policy;

/// <summary>
/// <c>schema.table</c> with wildcards in either part (<c>clinic.*</c>, <c>*.patients</c>); a pattern without a dot
/// means any schema. How a relation the statement names without a schema is resolved is the snapshot's business
/// (<see cref="PolicySnapshot.Resolve"/>).
/// </summary>
public sealed class TablePattern
{
    /// <summary>Compiles <paramref name="pattern"/>.</summary>
    public TablePattern(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        Text = pattern;
        int dot = pattern.LastIndexOf('.');
        Schema = new NamePattern(dot < 0 ? "*" : pattern[..dot]);
        Table = new NamePattern(dot < 0 ? pattern : pattern[(dot + 1)..]);
    }

    /// <summary>The pattern as written.</summary>
    public string Text { get; }

    /// <summary>The schema part (<c>*</c> when the pattern has none).</summary>
    public NamePattern Schema { get; }

    /// <summary>The table part.</summary>
    public NamePattern Table { get; }

    /// <summary>Whether a fully qualified relation matches.</summary>
    public bool IsMatch(string schema, string table) => Table.IsMatch(table) && Schema.IsMatch(schema);

    /// <summary>
    /// Whether a relation may match, for rules that must fail closed (guardrails): an unqualified name matches on its
    /// table part alone, whatever schema it would resolve to.
    /// </summary>
    public bool MayMatch(RelationReference relation)
    {
        ArgumentNullException.ThrowIfNull(relation);
        return Table.IsMatch(relation.Name) && (relation.Schema is null || Schema.IsMatch(relation.Schema));
    }

    /// <inheritdoc />
    public override string ToString() => Text;
}
