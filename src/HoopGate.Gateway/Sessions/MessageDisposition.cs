namespace HoopGate.Gateway.Sessions;

/// <summary>How a relay treats a message type.</summary>
internal enum MessageDisposition : byte
{
    /// <summary>Buffer the whole message (bounded by the inspect limit) and hand it to the relay.</summary>
    Inspect,

    /// <summary>Forward bytes as they arrive, without waiting for the whole message (data-carrying messages).</summary>
    Stream,

    /// <summary>Not allowed in this direction: a protocol violation.</summary>
    Reject,
}
