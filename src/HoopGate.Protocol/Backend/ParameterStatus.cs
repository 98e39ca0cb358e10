using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Backend;

/// <summary>
/// ParameterStatus (B): <c>'S', Int32 len, String name, String value</c>.
/// </summary>
/// <param name="Name">The run-time parameter's name.</param>
/// <param name="Value">Its current value.</param>
public readonly record struct ParameterStatus(string Name, string Value)
{
    /// <summary>Reads the body.</summary>
    public static ParameterStatus Read(ReadOnlySequence<byte> body)
    {
        var reader = new MessageReader(body, "ParameterStatus");
        string name = reader.ReadCString();
        string value = reader.ReadCString();
        reader.ExpectEnd();
        return new ParameterStatus(name, value);
    }

    /// <summary>Writes the message.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        var writer = MessageWriter.Begin(
            output, (byte)BackendMessageCode.ParameterStatus, MessageWriter.CStringLength(Name) + MessageWriter.CStringLength(Value));
        writer.WriteCString(Name);
        writer.WriteCString(Value);
        writer.Commit();
    }
}
