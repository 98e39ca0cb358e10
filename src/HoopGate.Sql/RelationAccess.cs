namespace HoopGate.Sql;

/// <summary>How a statement uses a relation.</summary>
[Flags]
public enum RelationAccess
{
    /// <summary>Not used.</summary>
    None = 0,

    /// <summary>Rows are read (FROM, JOIN, subqueries, COPY TO, RETURNING of a write target).</summary>
    Read = 1,

    /// <summary>Rows or the definition change (INSERT/UPDATE/DELETE/MERGE targets, COPY FROM, TRUNCATE, DDL objects).</summary>
    Write = 2,

    /// <summary>Both: UPDATE, DELETE and MERGE targets read the rows they change.</summary>
    ReadWrite = Read | Write,
}
