using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Frontend;

/// <summary>
/// GSSResponse (F): <c>'p', Int32 len, Byte[n] data</c>, a GSSAPI or SSPI token. Shares the type byte with
/// PasswordMessage and the SASL responses; which one it is follows from the authentication request in progress.
/// </summary>
/// <param name="Data">The GSSAPI or SSPI data.</param>
public sealed record GSSResponse(byte[] Data)
{
    /// <summary>Reads the body.</summary>
    public static GSSResponse Read(ReadOnlySequence<byte> body) => new(body.ToArray());

    /// <summary>Writes the message.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        var writer = MessageWriter.Begin(output, (byte)FrontendMessageCode.PasswordMessage, Data.Length);
        writer.WriteBytes(Data);
        writer.Commit();
    }
}
