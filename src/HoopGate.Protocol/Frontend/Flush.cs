using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Frontend;

/// <summary>
/// Flush (F): <c>'H', Int32 4</c>, no body. Asks the server to send whatever it has buffered, without ending the batch.
/// </summary>
public static class Flush
{
    /// <summary>Checks that the body is empty, as the receiving side does.</summary>
    /// <exception cref="Errors.PgProtocolException">The body is not empty (08P01).</exception>
    public static void Read(ReadOnlySequence<byte> body) => new MessageReader(body, "Flush").ExpectEnd();

    /// <summary>Writes the message.</summary>
    public static void Write(IBufferWriter<byte> output) =>
        MessageWriter.Begin(output, (byte)FrontendMessageCode.Flush, 0).Commit();
}
