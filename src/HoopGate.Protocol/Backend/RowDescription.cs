using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Backend;

/// <summary>
/// RowDescription (B): the fields of the rows that follow, or that a statement or portal will return.
/// <code>
/// +-----+-----------+---------+----------------------------------------------------------------------+
/// | 'T' | Int32 len | Int16 n | field[n]                                                             |
/// +-----+-----------+---------+----------------------------------------------------------------------+
/// field: String name | Int32 table OID | Int16 column attr no | Int32 type OID | Int16 type size
///        | Int32 type modifier | Int16 format code
/// </code>
/// </summary>
public sealed class RowDescription
{
    // Everything in a field after its name: 4 + 2 + 4 + 2 + 4 + 2.
    private const int FixedFieldLength = 18;

    /// <summary>Creates the message.</summary>
    /// <param name="fields">The fields in column order.</param>
    public RowDescription(IReadOnlyList<FieldDescription> fields)
    {
        Fields = fields;
    }

    /// <summary>The fields in column order.</summary>
    public IReadOnlyList<FieldDescription> Fields { get; }

    /// <summary>Reads the body.</summary>
    public static RowDescription Read(ReadOnlySequence<byte> body)
    {
        var reader = new MessageReader(body, "RowDescription");

        // A column count, at most 1664 (MaxTupleAttributeNumber), so a negative Int16 is malformed.
        int count = reader.ReadCount16();

        // Each field has at least a name terminator and its fixed part.
        reader.EnsureRemaining(count * (FixedFieldLength + 1L));
        FieldDescription[] fields = count == 0 ? [] : new FieldDescription[count];
        for (int i = 0; i < fields.Length; i++)
        {
            string name = reader.ReadCString();
            uint tableOid = reader.ReadOid();
            short attributeNumber = reader.ReadInt16();
            uint typeOid = reader.ReadOid();
            short typeSize = reader.ReadInt16();
            int typeModifier = reader.ReadInt32();
            var format = (FormatCode)reader.ReadInt16();
            fields[i] = new FieldDescription(name, tableOid, attributeNumber, typeOid, typeSize, typeModifier, format);
        }

        reader.ExpectEnd();
        return new RowDescription(fields);
    }

    /// <summary>Writes the message.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        int length = 2;
        for (int i = 0; i < Fields.Count; i++)
        {
            length += MessageWriter.CStringLength(Fields[i].Name) + FixedFieldLength;
        }

        var writer = MessageWriter.Begin(output, (byte)BackendMessageCode.RowDescription, length);
        writer.WriteCount16(Fields.Count);
        for (int i = 0; i < Fields.Count; i++)
        {
            FieldDescription field = Fields[i];
            writer.WriteCString(field.Name);
            writer.WriteOid(field.TableOid);
            writer.WriteInt16(field.ColumnAttributeNumber);
            writer.WriteOid(field.TypeOid);
            writer.WriteInt16(field.TypeSize);
            writer.WriteInt32(field.TypeModifier);
            writer.WriteInt16((short)field.FormatCode);
        }

        writer.Commit();
    }
}
