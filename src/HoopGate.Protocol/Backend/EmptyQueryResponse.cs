using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Backend;

/// <summary>
/// EmptyQueryResponse (B): <c>'I', Int32 4</c>, no body. Replaces CommandComplete when the query string was empty.
/// </summary>
public static class EmptyQueryResponse
{
    /// <summary>Checks that the body is empty, as the receiving side does.</summary>
    /// <exception cref="Errors.PgProtocolException">The body is not empty (08P01).</exception>
    public static void Read(ReadOnlySequence<byte> body) => new MessageReader(body, "EmptyQueryResponse").ExpectEnd();

    /// <summary>Writes the message.</summary>
    public static void Write(IBufferWriter<byte> output) =>
        MessageWriter.Begin(output, (byte)BackendMessageCode.EmptyQueryResponse, 0).Commit();
}
