using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Backend;

/// <summary>
/// CopyInResponse (B): the server is ready for COPY FROM STDIN; the client sends CopyData, then CopyDone or CopyFail.
/// <code>
/// +-----+-----------+---------------------+---------+------------------------+
/// | 'G' | Int32 len | Int8 overall format | Int16 n | Int16 column format[n] |
/// +-----+-----------+---------------------+---------+------------------------+
/// </code>
/// </summary>
public sealed class CopyInResponse
{
    /// <summary>Creates the message.</summary>
    /// <param name="overallFormat">The overall COPY format: text (rows of text lines) or binary.</param>
    /// <param name="columnFormatCodes">One format per column; all text when the overall format is text.</param>
    public CopyInResponse(FormatCode overallFormat, IReadOnlyList<FormatCode> columnFormatCodes)
    {
        OverallFormat = overallFormat;
        ColumnFormatCodes = columnFormatCodes;
    }

    /// <summary>The overall COPY format: text (rows of text lines) or binary. An Int8 on the wire.</summary>
    public FormatCode OverallFormat { get; }

    /// <summary>The format of each column.</summary>
    public IReadOnlyList<FormatCode> ColumnFormatCodes { get; }

    /// <summary>Reads the body.</summary>
    public static CopyInResponse Read(ReadOnlySequence<byte> body)
    {
        FormatCode[] columns = CopyResponseFormat.Read(body, "CopyInResponse", out FormatCode overall);
        return new CopyInResponse(overall, columns);
    }

    /// <summary>Writes the message.</summary>
    public void WriteTo(IBufferWriter<byte> output) =>
        CopyResponseFormat.Write(output, BackendMessageCode.CopyInResponse, OverallFormat, ColumnFormatCodes);
}
