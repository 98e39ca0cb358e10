using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Frontend;

/// <summary>
/// Sync (F): <c>'S', Int32 4</c>, no body. Ends an extended-protocol batch: the server closes an implicit
/// transaction, answers ReadyForQuery, and after an error it is where the server stops discarding messages.
/// </summary>
public static class Sync
{
    /// <summary>Checks that the body is empty, as the receiving side does.</summary>
    /// <exception cref="Errors.PgProtocolException">The body is not empty (08P01).</exception>
    public static void Read(ReadOnlySequence<byte> body) => new MessageReader(body, "Sync").ExpectEnd();

    /// <summary>Writes the message.</summary>
    public static void Write(IBufferWriter<byte> output) =>
        MessageWriter.Begin(output, (byte)FrontendMessageCode.Sync, 0).Commit();
}
