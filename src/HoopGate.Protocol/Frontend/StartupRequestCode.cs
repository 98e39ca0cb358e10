namespace HoopGate.Protocol.Frontend;

/// <summary>The Int32 after a startup packet's length: a protocol version or a special request code.</summary>
public static class StartupRequestCode
{
    /// <summary>Protocol 3.0 (major 3 in the high 16 bits, minor 0).</summary>
    public const int ProtocolVersion3 = 196608;

    /// <summary>SSLRequest: 1234 in the high 16 bits, 5679 in the low 16 bits.</summary>
    public const int SslRequest = 80877103;

    /// <summary>GSSENCRequest: 1234/5680.</summary>
    public const int GssEncRequest = 80877104;

    /// <summary>CancelRequest: 1234/5678.</summary>
    public const int CancelRequest = 80877102;
}
