using System.Buffers;
using HoopGate.Protocol.Errors;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Backend;

/// <summary>
/// ErrorResponse (B) and, with code 'N', NoticeResponse (B).
/// <code>
/// +------+-----------+---------------------------------------------+----+
/// | 'E'  | Int32 len | (Byte1 field code, String value)*           | \0 |
/// +------+-----------+---------------------------------------------+----+
/// </code>
/// </summary>
public sealed class ErrorResponse
{
    /// <summary>Severity of an error that aborts the statement.</summary>
    public const string Error = "ERROR";

    /// <summary>Severity of an error that ends the session.</summary>
    public const string Fatal = "FATAL";

    /// <summary>Creates an error or notice from its fields in wire order.</summary>
    public ErrorResponse(IReadOnlyList<KeyValuePair<ErrorFieldCode, string>> fields)
    {
        Fields = fields;
    }

    /// <summary>Fields in the order sent.</summary>
    public IReadOnlyList<KeyValuePair<ErrorFieldCode, string>> Fields { get; }

    /// <summary>The non-localized severity ('V'), else the localized one ('S').</summary>
    public string? Severity => this[ErrorFieldCode.SeverityNonLocalized] ?? this[ErrorFieldCode.Severity];

    /// <summary>The SQLSTATE ('C').</summary>
    public string? SqlState => this[ErrorFieldCode.SqlState];

    /// <summary>The primary message ('M').</summary>
    public string? Message => this[ErrorFieldCode.Message];

    /// <summary>The detail ('D').</summary>
    public string? Detail => this[ErrorFieldCode.Detail];

    /// <summary>The hint ('H').</summary>
    public string? Hint => this[ErrorFieldCode.Hint];

    /// <summary>A field's value, or <see langword="null"/>.</summary>
    public string? this[ErrorFieldCode code]
    {
        get
        {
            foreach (KeyValuePair<ErrorFieldCode, string> field in Fields)
            {
                if (field.Key == code)
                {
                    return field.Value;
                }
            }

            return null;
        }
    }

    /// <summary>Builds an error the gateway raises itself.</summary>
    /// <param name="severity"><see cref="Error"/> or <see cref="Fatal"/>.</param>
    /// <param name="sqlState">The SQLSTATE.</param>
    /// <param name="message">Lower-case, without a trailing period.</param>
    /// <param name="detail">Optional detail.</param>
    /// <param name="hint">Optional hint.</param>
    public static ErrorResponse Create(string severity, string sqlState, string message, string? detail = null, string? hint = null)
    {
        var fields = new List<KeyValuePair<ErrorFieldCode, string>>(6)
        {
            new(ErrorFieldCode.Severity, severity),
            new(ErrorFieldCode.SeverityNonLocalized, severity),
            new(ErrorFieldCode.SqlState, sqlState),
            new(ErrorFieldCode.Message, message),
        };
        if (detail is not null)
        {
            fields.Add(new(ErrorFieldCode.Detail, detail));
        }

        if (hint is not null)
        {
            fields.Add(new(ErrorFieldCode.Hint, hint));
        }

        return new ErrorResponse(fields);
    }

    /// <summary>Reads the body of an ErrorResponse or NoticeResponse.</summary>
    public static ErrorResponse Read(ReadOnlySequence<byte> body) => Read(body, "ErrorResponse");

    /// <summary>Reads the body, naming <paramref name="messageName"/> in errors.</summary>
    internal static ErrorResponse Read(ReadOnlySequence<byte> body, string messageName)
    {
        var reader = new MessageReader(body, messageName);
        var fields = new List<KeyValuePair<ErrorFieldCode, string>>(8);
        while (true)
        {
            byte code = reader.ReadByte();
            if (code == 0)
            {
                break;
            }

            fields.Add(new((ErrorFieldCode)code, reader.ReadCString()));
        }

        reader.ExpectEnd();
        return new ErrorResponse(fields);
    }

    /// <summary>Writes the message as an ErrorResponse ('E').</summary>
    public void WriteTo(IBufferWriter<byte> output) => WriteTo(output, (byte)BackendMessageCode.ErrorResponse);

    /// <summary>Writes the message as a NoticeResponse ('N').</summary>
    public void WriteNoticeTo(IBufferWriter<byte> output) => WriteTo(output, (byte)BackendMessageCode.NoticeResponse);

    private void WriteTo(IBufferWriter<byte> output, byte code)
    {
        int length = 1;
        foreach (KeyValuePair<ErrorFieldCode, string> field in Fields)
        {
            length += 1 + MessageWriter.CStringLength(field.Value);
        }

        var writer = MessageWriter.Begin(output, code, length);
        foreach (KeyValuePair<ErrorFieldCode, string> field in Fields)
        {
            writer.WriteByte((byte)field.Key);
            writer.WriteCString(field.Value);
        }

        writer.WriteByte(0);
        writer.Commit();
    }
}
