using System.Buffers;
using HoopGate.Protocol.Errors;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Frontend;

/// <summary>
/// Describe (F): asks for a prepared statement's ParameterDescription and RowDescription, or a portal's RowDescription.
/// <code>
/// +-----+-----------+------------------+-------------+
/// | 'D' | Int32 len | Byte1 'S' or 'P' | String name |
/// +-----+-----------+------------------+-------------+
/// </code>
/// </summary>
/// <param name="Kind">Whether <paramref name="Name"/> is a prepared statement or a portal.</param>
/// <param name="Name">The statement or portal, empty for the unnamed one.</param>
public readonly record struct Describe(StatementOrPortal Kind, string Name)
{
    /// <summary>Reads the body.</summary>
    public static Describe Read(ReadOnlySequence<byte> body)
    {
        var reader = new MessageReader(body, "Describe");
        byte kind = reader.ReadByte();
        string name = reader.ReadCString();
        reader.ExpectEnd();

        // postgres.c rejects any other subtype as a protocol violation too.
        if (kind is not ((byte)StatementOrPortal.Statement or (byte)StatementOrPortal.Portal))
        {
            ThrowHelper.ThrowProtocolViolation("invalid Describe message: unknown subtype");
        }

        return new Describe((StatementOrPortal)kind, name);
    }

    /// <summary>Writes the message.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        var writer = MessageWriter.Begin(output, (byte)FrontendMessageCode.Describe, 1 + MessageWriter.CStringLength(Name));
        writer.WriteByte((byte)Kind);
        writer.WriteCString(Name);
        writer.Commit();
    }
}
