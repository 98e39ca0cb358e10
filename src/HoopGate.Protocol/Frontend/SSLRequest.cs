using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Frontend;

/// <summary>
/// SSLRequest (F): <c>Int32 8, Int32 80877103</c>. The server answers a single byte, 'S' or 'N'.
/// </summary>
public static class SSLRequest
{
    /// <summary>The answer that accepts TLS.</summary>
    public const byte Accept = (byte)'S';

    /// <summary>The answer that refuses encryption.</summary>
    public const byte Refuse = (byte)'N';

    /// <summary>Writes the packet.</summary>
    public static void Write(IBufferWriter<byte> output) =>
        MessageWriter.BeginStartup(output, StartupRequestCode.SslRequest, 0).Commit();
}
