namespace HoopGate.Sql;

/// <summary>A function or procedure called by name in a statement.</summary>
/// <param name="Schema">The schema when qualified (<c>pg_catalog.set_config</c>), otherwise <see langword="null"/>.</param>
/// <param name="Name">The function name, case-folded as PostgreSQL folds it.</param>
public sealed record FunctionReference(string? Schema, string Name)
{
    /// <summary>The name as written.</summary>
    public override string ToString() => Schema is null ? Name : Schema + "." + Name;
}
