using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Frontend;

/// <summary>
/// Query (F), the simple protocol: <c>'Q', Int32 len, String query</c>. The string may hold several statements.
/// </summary>
/// <param name="QueryString">The query string itself.</param>
public readonly record struct Query(string QueryString)
{
    /// <summary>Reads the body.</summary>
    public static Query Read(ReadOnlySequence<byte> body)
    {
        var reader = new MessageReader(body, "Query");
        string text = reader.ReadCString();
        reader.ExpectEnd();
        return new Query(text);
    }

    /// <summary>Writes the message.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        var writer = MessageWriter.Begin(output, (byte)FrontendMessageCode.Query, MessageWriter.CStringLength(QueryString));
        writer.WriteCString(QueryString);
        writer.Commit();
    }
}
