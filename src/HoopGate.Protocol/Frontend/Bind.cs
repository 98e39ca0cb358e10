using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Frontend;

/// <summary>
/// Bind (F): creates a portal from a prepared statement and parameter values.
/// <code>
/// +-----+-----------+---------------+------------------+---------+-----------------+
/// | 'B' | Int32 len | String portal | String statement | Int16 c | Int16 format[c] |
/// +-----+-----------+---------------+------------------+---------+-----------------+
/// | Int16 p | (Int32 n, Byte[n] value)[p], n = -1 is NULL | Int16 r | Int16 format[r] |
/// +---------+---------------------------------------------+---------+-----------------+
/// </code>
/// Format-code lists follow the protocol's rule: none means all text, one applies to all, else one each
/// (<see cref="GetParameterFormatCode"/>). The three counts are unsigned on the server side (up to 65535).
/// Whether the counts agree with each other and with the statement is the server's to check: it answers
/// with an ordinary ERROR, which must reach the client as such.
/// </summary>
public sealed class Bind
{
    /// <summary>Creates the message.</summary>
    /// <param name="portalName">The destination portal, empty for the unnamed one.</param>
    /// <param name="statementName">The source prepared statement, empty for the unnamed one.</param>
    /// <param name="parameterFormatCodes">Parameter format codes: none, one for all, or one per parameter.</param>
    /// <param name="parameterValues">Parameter values in their format; <see langword="null"/> is SQL NULL.</param>
    /// <param name="resultFormatCodes">Result-column format codes: none, one for all, or one per column.</param>
    public Bind(
        string portalName,
        string statementName,
        IReadOnlyList<FormatCode> parameterFormatCodes,
        IReadOnlyList<byte[]?> parameterValues,
        IReadOnlyList<FormatCode> resultFormatCodes)
    {
        PortalName = portalName;
        StatementName = statementName;
        ParameterFormatCodes = parameterFormatCodes;
        ParameterValues = parameterValues;
        ResultFormatCodes = resultFormatCodes;
    }

    /// <summary>The destination portal, empty for the unnamed one.</summary>
    public string PortalName { get; }

    /// <summary>The source prepared statement, empty for the unnamed one.</summary>
    public string StatementName { get; }

    /// <summary>Parameter format codes as sent: none, one for all, or one per parameter.</summary>
    public IReadOnlyList<FormatCode> ParameterFormatCodes { get; }

    /// <summary>Parameter values; <see langword="null"/> is SQL NULL. Never log them.</summary>
    public IReadOnlyList<byte[]?> ParameterValues { get; }

    /// <summary>Result-column format codes as sent: none, one for all, or one per column.</summary>
    public IReadOnlyList<FormatCode> ResultFormatCodes { get; }

    /// <summary>The format of parameter <paramref name="index"/> after applying the none/one/each rule.</summary>
    public FormatCode GetParameterFormatCode(int index) => ParameterFormatCodes.Count switch
    {
        0 => FormatCode.Text,
        1 => ParameterFormatCodes[0],
        _ => ParameterFormatCodes[index],
    };

    /// <summary>Reads the body.</summary>
    public static Bind Read(ReadOnlySequence<byte> body)
    {
        var reader = new MessageReader(body, "Bind");
        string portal = reader.ReadCString();
        string statement = reader.ReadCString();
        FormatCode[] parameterFormats = reader.ReadFormatCodes();
        int count = reader.ReadUInt16Count();

        // Each value has at least its Int32 length.
        reader.EnsureRemaining(count * 4L);
        byte[]?[] values = count == 0 ? [] : new byte[]?[count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = reader.ReadNullableValue();
        }

        FormatCode[] resultFormats = reader.ReadFormatCodes();
        reader.ExpectEnd();
        return new Bind(portal, statement, parameterFormats, values, resultFormats);
    }

    /// <summary>Writes the message.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        int length = MessageWriter.CStringLength(PortalName) + MessageWriter.CStringLength(StatementName)
            + 2 + (2 * ParameterFormatCodes.Count) + 2 + (2 * ResultFormatCodes.Count) + 2;
        for (int i = 0; i < ParameterValues.Count; i++)
        {
            length += 4 + (ParameterValues[i]?.Length ?? 0);
        }

        var writer = MessageWriter.Begin(output, (byte)FrontendMessageCode.Bind, length);
        writer.WriteCString(PortalName);
        writer.WriteCString(StatementName);
        writer.WriteFormatCodes(ParameterFormatCodes);
        writer.WriteUInt16Count(ParameterValues.Count);
        for (int i = 0; i < ParameterValues.Count; i++)
        {
            byte[]? value = ParameterValues[i];
            writer.WriteNullableValue(value, value is null);
        }

        writer.WriteFormatCodes(ResultFormatCodes);
        writer.Commit();
    }

    /// <summary>Names the portal and statement but never the values, which may hold secrets or personal data.</summary>
    public override string ToString() =>
        "Bind { PortalName = " + PortalName + ", StatementName = " + StatementName + ", ParameterValues = "
        + ParameterValues.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) + " values }";
}
