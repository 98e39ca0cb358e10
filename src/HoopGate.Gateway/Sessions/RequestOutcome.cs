namespace HoopGate.Gateway.Sessions;

/// <summary>How a tracked request ended.</summary>
internal enum RequestOutcome : byte
{
    /// <summary>The server answered as expected.</summary>
    Completed,

    /// <summary>The server answered with ErrorResponse.</summary>
    Failed,

    /// <summary>An earlier error in the same extended-protocol batch made the server skip it.</summary>
    Skipped,

    /// <summary>The session ended before the server answered (the statement may still have run to its end there).</summary>
    Interrupted,
}
