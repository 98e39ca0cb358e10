namespace HoopGate.Protocol.Frontend;

/// <summary>
/// Type bytes of messages a client sends after startup
/// (https://www.postgresql.org/docs/current/protocol-message-formats.html). Kept apart from
/// <see cref="Backend.BackendMessageCode"/> on purpose: 'D', 'C', 'E' and 'S' mean different things in each direction.
/// </summary>
public enum FrontendMessageCode : byte
{
    /// <summary>'B' Bind.</summary>
    Bind = (byte)'B',

    /// <summary>'C' Close (a prepared statement or portal).</summary>
    Close = (byte)'C',

    /// <summary>'d' CopyData.</summary>
    CopyData = (byte)'d',

    /// <summary>'c' CopyDone.</summary>
    CopyDone = (byte)'c',

    /// <summary>'f' CopyFail.</summary>
    CopyFail = (byte)'f',

    /// <summary>'D' Describe.</summary>
    Describe = (byte)'D',

    /// <summary>'E' Execute.</summary>
    Execute = (byte)'E',

    /// <summary>'H' Flush.</summary>
    Flush = (byte)'H',

    /// <summary>'F' FunctionCall.</summary>
    FunctionCall = (byte)'F',

    /// <summary>'P' Parse.</summary>
    Parse = (byte)'P',

    /// <summary>'p' PasswordMessage, SASLInitialResponse, SASLResponse or GSSResponse (by context).</summary>
    PasswordMessage = (byte)'p',

    /// <summary>'Q' Query (simple protocol).</summary>
    Query = (byte)'Q',

    /// <summary>'S' Sync.</summary>
    Sync = (byte)'S',

    /// <summary>'X' Terminate.</summary>
    Terminate = (byte)'X',
}
