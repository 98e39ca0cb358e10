namespace HoopGate.Sql;

/// <summary>A table, view or other relation named in a statement, as written.</summary>
/// <param name="Schema">The schema when the statement qualifies the name, otherwise <see langword="null"/> (resolved by search_path).</param>
/// <param name="Name">The relation name, case-folded as PostgreSQL folds it.</param>
/// <param name="Access">How the statement uses it (all uses in the statement, combined).</param>
public sealed record RelationReference(string? Schema, string Name, RelationAccess Access)
{
    /// <summary>The name as written: <c>schema.name</c> or <c>name</c>.</summary>
    public override string ToString() => Schema is null ? Name : Schema + "." + Name;
}
