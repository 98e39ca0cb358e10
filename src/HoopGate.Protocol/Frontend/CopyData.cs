using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Frontend;

/// <summary>
/// CopyData (F &amp; B): <c>'d', Int32 len, Byte[n] data</c>, a chunk of a COPY stream in either direction.
/// One type serves both directions because the message is the same (the docs list it once, as F and B),
/// and two types of the same name would be ambiguous wherever both namespaces are imported.
/// Chunks need not align with rows.
/// </summary>
/// <param name="Data">The chunk. A slice of a pooled buffer is fine for writing.</param>
public readonly record struct CopyData(ReadOnlyMemory<byte> Data)
{
    /// <summary>Reads the body, copying it (the gateway forwards unchanged CopyData without decoding it).</summary>
    public static CopyData Read(ReadOnlySequence<byte> body) => new(body.ToArray());

    /// <summary>Writes the message.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        var writer = MessageWriter.Begin(output, (byte)FrontendMessageCode.CopyData, Data.Length);
        writer.WriteBytes(Data.Span);
        writer.Commit();
    }
}
