using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Backend;

/// <summary>
/// PortalSuspended (B): <c>'s', Int32 4</c>, no body. Execute stopped at its row limit; the portal can be executed
/// again for more.
/// </summary>
public static class PortalSuspended
{
    /// <summary>Checks that the body is empty, as the receiving side does.</summary>
    /// <exception cref="Errors.PgProtocolException">The body is not empty (08P01).</exception>
    public static void Read(ReadOnlySequence<byte> body) => new MessageReader(body, "PortalSuspended").ExpectEnd();

    /// <summary>Writes the message.</summary>
    public static void Write(IBufferWriter<byte> output) =>
        MessageWriter.Begin(output, (byte)BackendMessageCode.PortalSuspended, 0).Commit();
}
