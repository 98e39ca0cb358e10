namespace HoopGate.Sql;

/// <summary>A column reference as written: <c>ssn</c>, <c>p.ssn</c>, <c>p.*</c> or a bare <c>p</c> (which may be a whole row).</summary>
/// <param name="Qualifier">The part before the last dot (a table name or alias), or <see langword="null"/>.</param>
/// <param name="Name">The column name, case-folded as PostgreSQL folds it; <c>*</c> for all columns.</param>
public sealed record ColumnName(string? Qualifier, string Name)
{
    /// <summary>True for <c>*</c> and <c>p.*</c>.</summary>
    public bool IsStar => Name == "*";

    /// <summary>The reference as written.</summary>
    public override string ToString() => Qualifier is null ? Name : Qualifier + "." + Name;
}
