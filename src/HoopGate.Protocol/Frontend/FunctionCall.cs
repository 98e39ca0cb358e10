using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Frontend;

/// <summary>
/// FunctionCall (F), the legacy fast-path interface: calls a function by OID.
/// <code>
/// +-----+-----------+-----------------+---------+-----------------+
/// | 'F' | Int32 len | Int32 func OID  | Int16 c | Int16 format[c] |
/// +-----+-----------+-----------------+---------+-----------------+
/// | Int16 a | (Int32 n, Byte[n] arg)[a], n = -1 is NULL | Int16 result format |
/// +---------+-------------------------------------------+---------------------+
/// </code>
/// Argument format codes follow Bind's none/one/each rule; the counts are unsigned on the server side.
/// </summary>
public sealed class FunctionCall
{
    /// <summary>Creates the message.</summary>
    /// <param name="functionId">The OID of the function to call.</param>
    /// <param name="argumentFormatCodes">Argument format codes: none, one for all, or one per argument.</param>
    /// <param name="arguments">Argument values; <see langword="null"/> is SQL NULL.</param>
    /// <param name="resultFormatCode">The format of the result.</param>
    public FunctionCall(uint functionId, IReadOnlyList<FormatCode> argumentFormatCodes, IReadOnlyList<byte[]?> arguments, FormatCode resultFormatCode)
    {
        FunctionId = functionId;
        ArgumentFormatCodes = argumentFormatCodes;
        Arguments = arguments;
        ResultFormatCode = resultFormatCode;
    }

    /// <summary>The OID of the function to call.</summary>
    public uint FunctionId { get; }

    /// <summary>Argument format codes as sent: none, one for all, or one per argument.</summary>
    public IReadOnlyList<FormatCode> ArgumentFormatCodes { get; }

    /// <summary>Argument values; <see langword="null"/> is SQL NULL. Never log them.</summary>
    public IReadOnlyList<byte[]?> Arguments { get; }

    /// <summary>The format code for the function result.</summary>
    public FormatCode ResultFormatCode { get; }

    /// <summary>Reads the body.</summary>
    public static FunctionCall Read(ReadOnlySequence<byte> body)
    {
        var reader = new MessageReader(body, "FunctionCall");
        uint functionId = reader.ReadOid();
        FormatCode[] formats = reader.ReadFormatCodes();
        int count = reader.ReadUInt16Count();

        // Each argument has at least its Int32 length.
        reader.EnsureRemaining(count * 4L);
        byte[]?[] arguments = count == 0 ? [] : new byte[]?[count];
        for (int i = 0; i < arguments.Length; i++)
        {
            arguments[i] = reader.ReadNullableValue();
        }

        var resultFormat = (FormatCode)reader.ReadInt16();
        reader.ExpectEnd();
        return new FunctionCall(functionId, formats, arguments, resultFormat);
    }

    /// <summary>Writes the message.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        int length = 4 + 2 + (2 * ArgumentFormatCodes.Count) + 2 + 2;
        for (int i = 0; i < Arguments.Count; i++)
        {
            length += 4 + (Arguments[i]?.Length ?? 0);
        }

        var writer = MessageWriter.Begin(output, (byte)FrontendMessageCode.FunctionCall, length);
        writer.WriteOid(FunctionId);
        writer.WriteFormatCodes(ArgumentFormatCodes);
        writer.WriteUInt16Count(Arguments.Count);
        for (int i = 0; i < Arguments.Count; i++)
        {
            byte[]? argument = Arguments[i];
            writer.WriteNullableValue(argument, argument is null);
        }

        writer.WriteInt16((short)ResultFormatCode);
        writer.Commit();
    }

    /// <summary>Names the function but never the arguments, which may hold secrets or personal data.</summary>
    public override string ToString() =>
        "FunctionCall { FunctionId = " + FunctionId.ToString(System.Globalization.CultureInfo.InvariantCulture) + ", Arguments = "
        + Arguments.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) + " values }";
}
