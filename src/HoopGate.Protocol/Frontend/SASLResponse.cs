using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Frontend;

/// <summary>
/// SASLResponse (F): <c>'p', Int32 len, Byte[n] data</c>, the client's next SASL message.
/// </summary>
/// <param name="Data">The mechanism-specific data.</param>
public sealed record SASLResponse(byte[] Data)
{
    /// <summary>Reads the body.</summary>
    public static SASLResponse Read(ReadOnlySequence<byte> body) => new(body.ToArray());

    /// <summary>Writes the message.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        var writer = MessageWriter.Begin(output, (byte)FrontendMessageCode.PasswordMessage, Data.Length);
        writer.WriteBytes(Data);
        writer.Commit();
    }
}
