namespace HoopGate.Sql;

/// <summary>One statement of a SQL string, as PostgreSQL's parser understands it.</summary>
public sealed class StatementInfo
{
    internal StatementInfo(
        StatementKind kind,
        StatementKind kinds,
        string command,
        IReadOnlyList<RelationReference> relations,
        IReadOnlyList<FunctionReference> functions,
        IReadOnlyList<SettingChange> settings,
        CopyInfo? copy,
        bool hasUnboundedWrite,
        bool isExplain)
    {
        Kind = kind;
        Kinds = kinds;
        Command = command;
        Relations = relations;
        Functions = functions;
        Settings = settings;
        Copy = copy;
        HasUnboundedWrite = hasUnboundedWrite;
        IsExplain = isExplain;
    }

    /// <summary>
    /// The statement's own kind. EXPLAIN, PREPARE and DECLARE CURSOR take the kind of the statement they wrap,
    /// because EXPLAIN ANALYZE runs it and a prepared statement can be executed later.
    /// </summary>
    public StatementKind Kind { get; }

    /// <summary><see cref="Kind"/> plus every data-modifying statement nested in it (CTEs, for example).</summary>
    public StatementKind Kinds { get; }

    /// <summary>The command in upper case, like a command tag: <c>SELECT</c>, <c>DELETE</c>, <c>DROP TABLE</c>, <c>ALTER ROLE</c>, <c>GRANT</c>.</summary>
    public string Command { get; }

    /// <summary>Every relation named, with how it is used; common table expressions are not relations.</summary>
    public IReadOnlyList<RelationReference> Relations { get; }

    /// <summary>Every function called by name, anywhere in the statement.</summary>
    public IReadOnlyList<FunctionReference> Functions { get; }

    /// <summary>Settings changed by SET/RESET or by <c>set_config</c> calls.</summary>
    public IReadOnlyList<SettingChange> Settings { get; }

    /// <summary>For COPY, its direction and target; otherwise <see langword="null"/>.</summary>
    public CopyInfo? Copy { get; }

    /// <summary>
    /// An UPDATE or DELETE (here or nested) with no WHERE clause, or with one that refers to no column (<c>WHERE true</c>,
    /// <c>WHERE 1 = 1</c>) and so touches every row.
    /// </summary>
    public bool HasUnboundedWrite { get; }

    /// <summary>The statement is an EXPLAIN of the statement described.</summary>
    public bool IsExplain { get; }

    /// <summary>What it does to a cursor name (<see cref="StatementLineage.CursorName"/>): DECLARE, FETCH/MOVE, CLOSE [ALL], DISCARD.</summary>
    public NameAction CursorAction => Command switch
    {
        "FETCH" or "MOVE" => NameAction.Use,
        "CLOSE" => Lineage.CursorName is null ? NameAction.DropAll : NameAction.Drop,
        "DISCARD" => NameAction.DropAll,
        _ => Lineage.CursorName is null ? NameAction.None : NameAction.Define,
    };

    /// <summary>What it does to an SQL-prepared statement's name (<see cref="StatementLineage.PreparedName"/>): PREPARE, EXECUTE, DEALLOCATE [ALL], DISCARD.</summary>
    public NameAction PreparedAction => Command switch
    {
        "EXECUTE" => NameAction.Use,
        "DEALLOCATE" => Lineage.PreparedName is null ? NameAction.DropAll : NameAction.Drop,
        "DISCARD" => NameAction.DropAll,
        _ => Lineage.PreparedName is null ? NameAction.None : NameAction.Define,
    };

    /// <summary>Where its result values come from and which columns it filters by (for masking).</summary>
    public StatementLineage Lineage { get; internal init; } = StatementLineage.None;

    /// <summary>
    /// Every SQL-prepared statement it runs by name, at any depth: <c>EXECUTE p</c>, <c>EXPLAIN ANALYZE EXECUTE p</c>,
    /// <c>CREATE TABLE t AS EXECUTE p</c>.
    /// </summary>
    public IReadOnlyList<string> ExecutedNames { get; internal init; } = [];
}
