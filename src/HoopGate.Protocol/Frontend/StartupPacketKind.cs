namespace HoopGate.Protocol.Frontend;

/// <summary>What a startup-phase packet is, as told by <see cref="StartupPacket.GetKind"/>.</summary>
public enum StartupPacketKind
{
    /// <summary>A StartupMessage for protocol 3 (any minor version; a newer minor calls for NegotiateProtocolVersion).</summary>
    StartupMessage,

    /// <summary>An SSLRequest.</summary>
    SSLRequest,

    /// <summary>A GSSENCRequest.</summary>
    GSSENCRequest,

    /// <summary>A CancelRequest.</summary>
    CancelRequest,

    /// <summary>
    /// Any other code: a protocol major version other than 3, or an unknown 1234.xxxx request. PostgreSQL answers
    /// with a FATAL 0A000 "unsupported frontend protocol".
    /// </summary>
    UnsupportedProtocolVersion,
}
