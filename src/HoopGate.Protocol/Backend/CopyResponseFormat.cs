using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Backend;

/// <summary>
/// The body shared by CopyInResponse, CopyOutResponse and CopyBothResponse.
/// <code>
/// +---------------------+---------+------------------------+
/// | Int8 overall format | Int16 n | Int16 column format[n] |
/// +---------------------+---------+------------------------+
/// </code>
/// </summary>
internal static class CopyResponseFormat
{
    /// <summary>Reads the body; returns the column formats and gives the overall format.</summary>
    public static FormatCode[] Read(ReadOnlySequence<byte> body, string messageName, out FormatCode overallFormat)
    {
        var reader = new MessageReader(body, messageName);
        overallFormat = (FormatCode)reader.ReadByte();

        // A column count, at most 1664 (MaxTupleAttributeNumber), so a negative Int16 is malformed.
        int count = reader.ReadCount16();
        reader.EnsureRemaining(count * 2L);
        FormatCode[] columns = count == 0 ? [] : new FormatCode[count];
        for (int i = 0; i < columns.Length; i++)
        {
            columns[i] = (FormatCode)reader.ReadInt16();
        }

        reader.ExpectEnd();
        return columns;
    }

    /// <summary>Writes a whole message with the given type byte.</summary>
    public static void Write(IBufferWriter<byte> output, BackendMessageCode code, FormatCode overallFormat, IReadOnlyList<FormatCode> columnFormatCodes)
    {
        var writer = MessageWriter.Begin(output, (byte)code, 1 + 2 + (2 * columnFormatCodes.Count));
        writer.WriteByte((byte)overallFormat);
        writer.WriteCount16(columnFormatCodes.Count);
        for (int i = 0; i < columnFormatCodes.Count; i++)
        {
            writer.WriteInt16((short)columnFormatCodes[i]);
        }

        writer.Commit();
    }
}
