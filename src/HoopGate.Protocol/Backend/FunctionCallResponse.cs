using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Backend;

/// <summary>
/// FunctionCallResponse (B): <c>'V', Int32 n, Byte[n] result</c> after the length, n = -1 for a NULL result.
/// </summary>
public sealed class FunctionCallResponse
{
    /// <summary>Creates the message.</summary>
    /// <param name="result">The function result in the requested format; <see langword="null"/> is SQL NULL.</param>
    public FunctionCallResponse(byte[]? result)
    {
        Result = result;
    }

    /// <summary>The function result in the requested format; <see langword="null"/> is SQL NULL.</summary>
    public byte[]? Result { get; }

    /// <summary>Reads the body.</summary>
    public static FunctionCallResponse Read(ReadOnlySequence<byte> body)
    {
        var reader = new MessageReader(body, "FunctionCallResponse");
        byte[]? result = reader.ReadNullableValue();
        reader.ExpectEnd();
        return new FunctionCallResponse(result);
    }

    /// <summary>Writes the message.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        var writer = MessageWriter.Begin(output, (byte)BackendMessageCode.FunctionCallResponse, 4 + (Result?.Length ?? 0));
        writer.WriteNullableValue(Result, Result is null);
        writer.Commit();
    }
}
