using System.Buffers;
using HoopGate.Protocol.Errors;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Frontend;

/// <summary>
/// Tells apart the packets a connection may start with, which have no type byte: only the Int32 after the
/// length says what they are.
/// <code>
/// +-----------+-----------------------+-------------------------------------+
/// | Int32 len | Int32 version or code | body                                |
/// +-----------+-----------------------+-------------------------------------+
///   StartupMessage   196608   (3.0)        (String name, String value)*, \0
///   SSLRequest       80877103 (1234.5679)  none
///   GSSENCRequest    80877104 (1234.5680)  none
///   CancelRequest    80877102 (1234.5678)  Int32 process id, Int32 secret key
/// </code>
/// </summary>
public static class StartupPacket
{
    /// <summary>The major protocol version this codec speaks.</summary>
    public const int SupportedMajorVersion = 3;

    /// <summary>
    /// Says which packet this is. SSLRequest and GSSENCRequest must have no body; other kinds are checked by
    /// their own readers (<see cref="StartupMessage.Read"/>, <see cref="CancelRequest.Read"/>).
    /// </summary>
    /// <param name="packet">The packet after its length field, as <see cref="PgFraming.TryReadStartupPacket"/> returns it.</param>
    /// <exception cref="PgProtocolException">The packet is shorter than its code, or an encryption request has a body (08P01).</exception>
    public static StartupPacketKind GetKind(ReadOnlySequence<byte> packet)
    {
        var reader = new MessageReader(packet, "startup packet");
        int code = reader.ReadInt32();
        switch (code)
        {
            case StartupRequestCode.SslRequest:
                reader.ExpectEnd();
                return StartupPacketKind.SSLRequest;
            case StartupRequestCode.GssEncRequest:
                reader.ExpectEnd();
                return StartupPacketKind.GSSENCRequest;
            case StartupRequestCode.CancelRequest:
                return StartupPacketKind.CancelRequest;
            default:
                return MajorVersion(code) == SupportedMajorVersion
                    ? StartupPacketKind.StartupMessage
                    : StartupPacketKind.UnsupportedProtocolVersion;
        }
    }

    /// <summary>The major version of a protocol version number (its high 16 bits).</summary>
    public static int MajorVersion(int protocolVersion) => (int)((uint)protocolVersion >> 16);

    /// <summary>The minor version of a protocol version number (its low 16 bits).</summary>
    public static int MinorVersion(int protocolVersion) => protocolVersion & 0xFFFF;
}
