using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Backend;

/// <summary>
/// ParameterDescription (B): the parameter types of a prepared statement, answering Describe 'S'.
/// <code>
/// +-----+-----------+---------+-------------------+
/// | 't' | Int32 len | Int16 n | Int32 type OID[n] |
/// +-----+-----------+---------+-------------------+
/// </code>
/// The count is unsigned, as the server writes it: a statement may have up to 65535 parameters.
/// </summary>
public sealed class ParameterDescription
{
    /// <summary>Creates the message.</summary>
    /// <param name="parameterTypes">The data type OID of each parameter.</param>
    public ParameterDescription(IReadOnlyList<uint> parameterTypes)
    {
        ParameterTypes = parameterTypes;
    }

    /// <summary>The data type OID of each parameter.</summary>
    public IReadOnlyList<uint> ParameterTypes { get; }

    /// <summary>Reads the body.</summary>
    public static ParameterDescription Read(ReadOnlySequence<byte> body)
    {
        var reader = new MessageReader(body, "ParameterDescription");
        int count = reader.ReadUInt16Count();
        reader.EnsureRemaining(count * 4L);
        uint[] types = count == 0 ? [] : new uint[count];
        for (int i = 0; i < types.Length; i++)
        {
            types[i] = reader.ReadOid();
        }

        reader.ExpectEnd();
        return new ParameterDescription(types);
    }

    /// <summary>Writes the message.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        var writer = MessageWriter.Begin(output, (byte)BackendMessageCode.ParameterDescription, 2 + (4 * ParameterTypes.Count));
        writer.WriteUInt16Count(ParameterTypes.Count);
        for (int i = 0; i < ParameterTypes.Count; i++)
        {
            writer.WriteOid(ParameterTypes[i]);
        }

        writer.Commit();
    }
}
