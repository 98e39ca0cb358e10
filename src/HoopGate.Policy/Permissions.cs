using HoopGate.Sql;

namespace HoopGate.Policy;

/// <summary>What a group (or everyone) may do: statement kinds, and the tables it may read and write.</summary>
/// <param name="Kinds">Statement kinds the group may run.</param>
/// <param name="Read">Tables the group may read.</param>
/// <param name="Write">Tables the group may write (insert, update, delete, merge, COPY FROM, DDL on them).</param>
public sealed record Permissions(StatementKind Kinds, IReadOnlyList<TablePattern> Read, IReadOnlyList<TablePattern> Write)
{
    /// <summary>Nothing at all.</summary>
    public static Permissions None { get; } = new(StatementKind.None, [], []);

    /// <summary>Protected columns the group sees raw (<c>schema.table.column</c> patterns).</summary>
    public IReadOnlyList<ColumnPattern> Unmask { get; init; } = [];
}
