namespace HoopGate.Gateway.Sessions;

/// <summary>A client request whose answer from the server is still to come.</summary>
internal enum PendingKind : byte
{
    /// <summary>Query: results per statement, then ReadyForQuery.</summary>
    SimpleQuery,

    /// <summary>Parse: ParseComplete.</summary>
    Parse,

    /// <summary>Bind: BindComplete.</summary>
    Bind,

    /// <summary>Describe: [ParameterDescription] RowDescription or NoData.</summary>
    Describe,

    /// <summary>Execute: CommandComplete, EmptyQueryResponse or PortalSuspended.</summary>
    Execute,

    /// <summary>Close: CloseComplete.</summary>
    Close,

    /// <summary>Sync: ReadyForQuery.</summary>
    Sync,

    /// <summary>FunctionCall: FunctionCallResponse, then ReadyForQuery.</summary>
    FunctionCall,
}
