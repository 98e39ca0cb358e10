using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Frontend;

/// <summary>
/// Terminate (F): <c>'X', Int32 4</c>, no body. The client is closing the connection.
/// </summary>
public static class Terminate
{
    /// <summary>Checks that the body is empty, as the receiving side does.</summary>
    /// <exception cref="Errors.PgProtocolException">The body is not empty (08P01).</exception>
    public static void Read(ReadOnlySequence<byte> body) => new MessageReader(body, "Terminate").ExpectEnd();

    /// <summary>Writes the message.</summary>
    public static void Write(IBufferWriter<byte> output) =>
        MessageWriter.Begin(output, (byte)FrontendMessageCode.Terminate, 0).Commit();
}
