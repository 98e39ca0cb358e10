namespace HoopGate.Sql;

/// <summary>
/// What a statement does, in the categories policy grants by. A flags enum so that a statement's
/// <see cref="StatementInfo.Kinds"/> can hold its own kind and the kinds nested in it (a data-modifying CTE
/// inside a SELECT is a DELETE too).
/// </summary>
[Flags]
public enum StatementKind
{
    /// <summary>No kind (an empty statement).</summary>
    None = 0,

    /// <summary>SELECT, VALUES, TABLE, and cursors over them.</summary>
    Select = 1 << 0,

    /// <summary>INSERT.</summary>
    Insert = 1 << 1,

    /// <summary>UPDATE.</summary>
    Update = 1 << 2,

    /// <summary>DELETE.</summary>
    Delete = 1 << 3,

    /// <summary>MERGE.</summary>
    Merge = 1 << 4,

    /// <summary>COPY, either direction (see <see cref="StatementInfo.Copy"/>).</summary>
    Copy = 1 << 5,

    /// <summary>Schema changes: CREATE, ALTER, DROP, TRUNCATE, COMMENT, SELECT INTO, and any statement the analyser does not know.</summary>
    Ddl = 1 << 6,

    /// <summary>Privileges and roles: GRANT, REVOKE, CREATE/ALTER/DROP ROLE, ALTER DEFAULT PRIVILEGES, REASSIGN/DROP OWNED.</summary>
    Dcl = 1 << 7,

    /// <summary>BEGIN, COMMIT, ROLLBACK, SAVEPOINT, SET CONSTRAINTS and two-phase commit.</summary>
    Transaction = 1 << 8,

    /// <summary>SET and RESET (including SET TRANSACTION).</summary>
    Set = 1 << 9,

    /// <summary>SHOW.</summary>
    Show = 1 << 10,

    /// <summary>CALL of a procedure.</summary>
    Call = 1 << 11,

    /// <summary>DO: an anonymous code block, opaque to analysis.</summary>
    Do = 1 << 12,

    /// <summary>The rest: EXECUTE, DEALLOCATE, FETCH, CLOSE, LISTEN, NOTIFY, DISCARD, LOCK, VACUUM, ANALYZE, CHECKPOINT, LOAD…</summary>
    Utility = 1 << 13,
}
