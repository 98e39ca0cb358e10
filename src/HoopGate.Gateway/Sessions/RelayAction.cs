namespace HoopGate.Gateway.Sessions;

/// <summary>What a relay does with an inspected message.</summary>
internal enum RelayAction : byte
{
    /// <summary>Forward the original bytes and go on.</summary>
    Forward,

    /// <summary>Forward the original bytes, then stop relaying in this direction.</summary>
    ForwardAndStop,

    /// <summary>Stop without forwarding; the message stays unconsumed.</summary>
    Stop,

    /// <summary>
    /// Stop here, leaving the message unconsumed, until the pump has done something asynchronous (a statement held for
    /// approval); then relay again from this message.
    /// </summary>
    Hold,

    /// <summary>The handler wrote a message of its own in place of this one; drop the original and go on.</summary>
    Replaced,
}
