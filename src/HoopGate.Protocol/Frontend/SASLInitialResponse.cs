using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Frontend;

/// <summary>
/// SASLInitialResponse (F): <c>'p', Int32 len, String mechanism, Int32 data length (-1 for none), Byte[n] data</c>.
/// </summary>
/// <param name="Mechanism">The chosen SASL mechanism.</param>
/// <param name="Data">The client-first-message, or <see langword="null"/>.</param>
public sealed record SASLInitialResponse(string Mechanism, byte[]? Data)
{
    /// <summary>Reads the body.</summary>
    public static SASLInitialResponse Read(ReadOnlySequence<byte> body)
    {
        var reader = new MessageReader(body, "SASLInitialResponse");
        string mechanism = reader.ReadCString();
        byte[]? data = reader.ReadNullableValue();
        reader.ExpectEnd();
        return new SASLInitialResponse(mechanism, data);
    }

    /// <summary>Writes the message.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        var writer = MessageWriter.Begin(
            output, (byte)FrontendMessageCode.PasswordMessage, MessageWriter.CStringLength(Mechanism) + 4 + (Data?.Length ?? 0));
        writer.WriteCString(Mechanism);
        writer.WriteNullableValue(Data, Data is null);
        writer.Commit();
    }
}
