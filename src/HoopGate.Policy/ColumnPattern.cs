namespace HoopGate.Policy;

/// <summary>A <c>schema.table.column</c> pattern, each part a <see cref="NamePattern"/> (<c>clinic.*.ssn</c>, <c>*.*.email</c>).</summary>
public sealed class ColumnPattern
{
    private ColumnPattern(string text, NamePattern schema, NamePattern table, NamePattern column)
    {
        Text = text;
        Schema = schema;
        Table = table;
        Column = column;
    }

    /// <summary>The pattern as written.</summary>
    public string Text { get; }

    /// <summary>The schema part.</summary>
    public NamePattern Schema { get; }

    /// <summary>The table part.</summary>
    public NamePattern Table { get; }

    /// <summary>The column part.</summary>
    public NamePattern Column { get; }

    /// <summary>Parses <c>schema.table.column</c>; <see langword="null"/> when it does not have three non-empty parts.</summary>
    public static ColumnPattern? TryParse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split('.');
        if (parts.Length != 3 || Array.Exists(parts, p => p.Length == 0))
        {
            return null;
        }

        return new ColumnPattern(text, new NamePattern(parts[0]), new NamePattern(parts[1]), new NamePattern(parts[2]));
    }

    /// <summary>Whether the column matches.</summary>
    public bool IsMatch(string schema, string table, string column) =>
        Column.IsMatch(column) && Table.IsMatch(table) && Schema.IsMatch(schema);

    /// <inheritdoc/>
    public override string ToString() => Text;
}
