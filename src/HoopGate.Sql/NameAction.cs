namespace HoopGate.Sql;

/// <summary>What a statement does to a session-level name (a cursor, or an SQL-prepared statement).</summary>
public enum NameAction
{
    /// <summary>Nothing.</summary>
    None,

    /// <summary>Reads what the name holds (FETCH, MOVE, EXECUTE).</summary>
    Use,

    /// <summary>Defines the name (DECLARE, PREPARE).</summary>
    Define,

    /// <summary>Drops the name (CLOSE c, DEALLOCATE p).</summary>
    Drop,

    /// <summary>Drops every name of its kind (CLOSE ALL, DEALLOCATE ALL, DISCARD).</summary>
    DropAll,
}
