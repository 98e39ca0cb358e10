namespace HoopGate.Protocol.Backend;

/// <summary>
/// Type bytes of messages a server sends
/// (https://www.postgresql.org/docs/current/protocol-message-formats.html).
/// </summary>
public enum BackendMessageCode : byte
{
    /// <summary>'R' Authentication* (the Int32 after the length says which).</summary>
    Authentication = (byte)'R',

    /// <summary>'K' BackendKeyData.</summary>
    BackendKeyData = (byte)'K',

    /// <summary>'2' BindComplete.</summary>
    BindComplete = (byte)'2',

    /// <summary>'3' CloseComplete.</summary>
    CloseComplete = (byte)'3',

    /// <summary>'C' CommandComplete.</summary>
    CommandComplete = (byte)'C',

    /// <summary>'d' CopyData.</summary>
    CopyData = (byte)'d',

    /// <summary>'c' CopyDone.</summary>
    CopyDone = (byte)'c',

    /// <summary>'G' CopyInResponse.</summary>
    CopyInResponse = (byte)'G',

    /// <summary>'H' CopyOutResponse.</summary>
    CopyOutResponse = (byte)'H',

    /// <summary>'W' CopyBothResponse (replication only).</summary>
    CopyBothResponse = (byte)'W',

    /// <summary>'D' DataRow.</summary>
    DataRow = (byte)'D',

    /// <summary>'I' EmptyQueryResponse.</summary>
    EmptyQueryResponse = (byte)'I',

    /// <summary>'E' ErrorResponse.</summary>
    ErrorResponse = (byte)'E',

    /// <summary>'V' FunctionCallResponse.</summary>
    FunctionCallResponse = (byte)'V',

    /// <summary>'v' NegotiateProtocolVersion.</summary>
    NegotiateProtocolVersion = (byte)'v',

    /// <summary>'n' NoData.</summary>
    NoData = (byte)'n',

    /// <summary>'N' NoticeResponse.</summary>
    NoticeResponse = (byte)'N',

    /// <summary>'A' NotificationResponse.</summary>
    NotificationResponse = (byte)'A',

    /// <summary>'t' ParameterDescription.</summary>
    ParameterDescription = (byte)'t',

    /// <summary>'S' ParameterStatus.</summary>
    ParameterStatus = (byte)'S',

    /// <summary>'1' ParseComplete.</summary>
    ParseComplete = (byte)'1',

    /// <summary>'s' PortalSuspended.</summary>
    PortalSuspended = (byte)'s',

    /// <summary>'Z' ReadyForQuery.</summary>
    ReadyForQuery = (byte)'Z',

    /// <summary>'T' RowDescription.</summary>
    RowDescription = (byte)'T',
}
