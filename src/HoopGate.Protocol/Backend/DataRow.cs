using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Backend;

/// <summary>
/// DataRow (B): one row of a result.
/// <code>
/// +-----+-----------+---------+---------------------------------------------+
/// | 'D' | Int32 len | Int16 n | (Int32 len, Byte[len] value)[n], -1 is NULL |
/// +-----+-----------+---------+---------------------------------------------+
/// </code>
/// <see cref="Read"/> copies each value. A rewriter that must not allocate per row walks the body with
/// <see cref="MessageReader.ReadCount16"/> and <see cref="MessageReader.ReadNullableValueSlice"/> instead,
/// copying unchanged columns as slices.
/// </summary>
public sealed class DataRow
{
    /// <summary>Creates the message.</summary>
    /// <param name="columns">Column values in the format RowDescription gives; <see langword="null"/> is SQL NULL.</param>
    public DataRow(IReadOnlyList<byte[]?> columns)
    {
        Columns = columns;
    }

    /// <summary>Column values in the format RowDescription gives; <see langword="null"/> is SQL NULL. Never log them.</summary>
    public IReadOnlyList<byte[]?> Columns { get; }

    /// <summary>Reads the body.</summary>
    public static DataRow Read(ReadOnlySequence<byte> body)
    {
        var reader = new MessageReader(body, "DataRow");

        // A column count, at most 1664 (MaxTupleAttributeNumber), so a negative Int16 is malformed.
        int count = reader.ReadCount16();

        // Each column has at least its Int32 length.
        reader.EnsureRemaining(count * 4L);
        byte[]?[] columns = count == 0 ? [] : new byte[]?[count];
        for (int i = 0; i < columns.Length; i++)
        {
            columns[i] = reader.ReadNullableValue();
        }

        reader.ExpectEnd();
        return new DataRow(columns);
    }

    /// <summary>Writes the message.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        int length = 2;
        for (int i = 0; i < Columns.Count; i++)
        {
            length += 4 + (Columns[i]?.Length ?? 0);
        }

        var writer = MessageWriter.Begin(output, (byte)BackendMessageCode.DataRow, length);
        writer.WriteCount16(Columns.Count);
        for (int i = 0; i < Columns.Count; i++)
        {
            byte[]? value = Columns[i];
            writer.WriteNullableValue(value, value is null);
        }

        writer.Commit();
    }
}
