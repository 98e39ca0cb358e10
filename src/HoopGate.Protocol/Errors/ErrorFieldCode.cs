namespace HoopGate.Protocol.Errors;

/// <summary>
/// Field type bytes of ErrorResponse and NoticeResponse
/// (https://www.postgresql.org/docs/current/protocol-error-fields.html).
/// </summary>
public enum ErrorFieldCode : byte
{
    /// <summary>'S' Severity, localized.</summary>
    Severity = (byte)'S',

    /// <summary>'V' Severity, never localized (ERROR, FATAL, PANIC, WARNING, NOTICE, DEBUG, INFO, LOG).</summary>
    SeverityNonLocalized = (byte)'V',

    /// <summary>'C' SQLSTATE code.</summary>
    SqlState = (byte)'C',

    /// <summary>'M' primary message.</summary>
    Message = (byte)'M',

    /// <summary>'D' detail.</summary>
    Detail = (byte)'D',

    /// <summary>'H' hint.</summary>
    Hint = (byte)'H',

    /// <summary>'P' position in the original query string (1-based characters).</summary>
    Position = (byte)'P',

    /// <summary>'p' position in an internally generated command.</summary>
    InternalPosition = (byte)'p',

    /// <summary>'q' internally generated command text.</summary>
    InternalQuery = (byte)'q',

    /// <summary>'W' where: the context (call stack) of the error.</summary>
    Where = (byte)'W',

    /// <summary>'s' schema name.</summary>
    SchemaName = (byte)'s',

    /// <summary>'t' table name.</summary>
    TableName = (byte)'t',

    /// <summary>'c' column name.</summary>
    ColumnName = (byte)'c',

    /// <summary>'d' data type name.</summary>
    DataTypeName = (byte)'d',

    /// <summary>'n' constraint name.</summary>
    ConstraintName = (byte)'n',

    /// <summary>'F' source file.</summary>
    File = (byte)'F',

    /// <summary>'L' source line.</summary>
    Line = (byte)'L',

    /// <summary>'R' source routine.</summary>
    Routine = (byte)'R',
}
