namespace HoopGate.Masking.Catalog;

/// <summary>A protected base column (or a function whose result is treated as one) that a result value derives from.</summary>
public sealed record ColumnSource(string Schema, string Table, string Column)
{
    /// <summary><c>schema.table.column</c>.</summary>
    public override string ToString() => Schema + "." + Table + "." + Column;
}
