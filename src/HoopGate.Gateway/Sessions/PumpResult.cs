namespace HoopGate.Gateway.Sessions;

/// <summary>Why one direction of the relay stopped.</summary>
internal enum PumpResult : byte
{
    /// <summary>The reading side closed (end of stream or reset).</summary>
    InputClosed,

    /// <summary>The writing side stopped accepting data.</summary>
    OutputClosed,

    /// <summary>A relay decision: the client's Terminate, or idle at shutdown.</summary>
    Finished,

    /// <summary>The session asked the pump to stop.</summary>
    Stopped,

    /// <summary>A protocol violation; <see cref="ClientSession"/> has the exception.</summary>
    ProtocolViolation,
}
