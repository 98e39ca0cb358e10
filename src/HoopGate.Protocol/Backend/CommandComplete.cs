using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Backend;

/// <summary>
/// CommandComplete (B): <c>'C', Int32 len, String tag</c>, e.g. <c>SELECT 5</c>, <c>INSERT 0 1</c>, <c>UPDATE 3</c>.
/// </summary>
/// <param name="CommandTag">The command tag: usually a single word naming the command, then any row count.</param>
public readonly record struct CommandComplete(string CommandTag)
{
    /// <summary>Reads the body.</summary>
    public static CommandComplete Read(ReadOnlySequence<byte> body)
    {
        var reader = new MessageReader(body, "CommandComplete");
        string tag = reader.ReadCString();
        reader.ExpectEnd();
        return new CommandComplete(tag);
    }

    /// <summary>Writes the message.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        var writer = MessageWriter.Begin(output, (byte)BackendMessageCode.CommandComplete, MessageWriter.CStringLength(CommandTag));
        writer.WriteCString(CommandTag);
        writer.Commit();
    }
}
