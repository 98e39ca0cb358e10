using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Frontend;

/// <summary>
/// CopyFail (F): <c>'f', Int32 len, String message</c>. The client aborts a COPY FROM STDIN; the server answers
/// with an ErrorResponse carrying this text.
/// </summary>
/// <param name="Message">The error message to report as the cause of failure.</param>
public readonly record struct CopyFail(string Message)
{
    /// <summary>Reads the body.</summary>
    public static CopyFail Read(ReadOnlySequence<byte> body)
    {
        var reader = new MessageReader(body, "CopyFail");
        string message = reader.ReadCString();
        reader.ExpectEnd();
        return new CopyFail(message);
    }

    /// <summary>Writes the message.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        var writer = MessageWriter.Begin(output, (byte)FrontendMessageCode.CopyFail, MessageWriter.CStringLength(Message));
        writer.WriteCString(Message);
        writer.Commit();
    }
}
