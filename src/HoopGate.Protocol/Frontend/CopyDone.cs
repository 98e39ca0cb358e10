using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Frontend;

/// <summary>
/// CopyDone (F &amp; B): <c>'c', Int32 4</c>, no body. Ends a COPY data stream in either direction. One type serves
/// both directions because the message is the same (the docs list it once, as F and B).
/// </summary>
public static class CopyDone
{
    /// <summary>Checks that the body is empty, as the receiving side does.</summary>
    /// <exception cref="Errors.PgProtocolException">The body is not empty (08P01).</exception>
    public static void Read(ReadOnlySequence<byte> body) => new MessageReader(body, "CopyDone").ExpectEnd();

    /// <summary>Writes the message.</summary>
    public static void Write(IBufferWriter<byte> output) =>
        MessageWriter.Begin(output, (byte)FrontendMessageCode.CopyDone, 0).Commit();
}
