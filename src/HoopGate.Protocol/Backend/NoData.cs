using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Backend;

/// <summary>
/// NoData (B): <c>'n', Int32 4</c>, no body. Answers Describe for a statement or portal that returns no rows.
/// </summary>
public static class NoData
{
    /// <summary>Checks that the body is empty, as the receiving side does.</summary>
    /// <exception cref="Errors.PgProtocolException">The body is not empty (08P01).</exception>
    public static void Read(ReadOnlySequence<byte> body) => new MessageReader(body, "NoData").ExpectEnd();

    /// <summary>Writes the message.</summary>
    public static void Write(IBufferWriter<byte> output) =>
        MessageWriter.Begin(output, (byte)BackendMessageCode.NoData, 0).Commit();
}
