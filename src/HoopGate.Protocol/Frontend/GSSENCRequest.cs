using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Frontend;

/// <summary>
/// GSSENCRequest (F): <c>Int32 8, Int32 80877104</c>. The gateway always answers 'N' (no GSSAPI encryption);
/// the client may then ask for TLS or start in plaintext.
/// </summary>
public static class GSSENCRequest
{
    /// <summary>Writes the packet.</summary>
    public static void Write(IBufferWriter<byte> output) =>
        MessageWriter.BeginStartup(output, StartupRequestCode.GssEncRequest, 0).Commit();
}
