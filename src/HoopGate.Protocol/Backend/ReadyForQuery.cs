using System.Buffers;
using HoopGate.Protocol.Errors;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Backend;

/// <summary>
/// ReadyForQuery (B): <c>'Z', Int32 5, Byte1 TransactionStatus</c>.
/// </summary>
/// <param name="TransactionStatus">The session's transaction status.</param>
public readonly record struct ReadyForQuery(TransactionStatus TransactionStatus)
{
    /// <summary>Reads the body.</summary>
    public static ReadyForQuery Read(ReadOnlySequence<byte> body)
    {
        var reader = new MessageReader(body, "ReadyForQuery");
        byte status = reader.ReadByte();
        reader.ExpectEnd();
        if (status is not ((byte)'I' or (byte)'T' or (byte)'E'))
        {
            ThrowHelper.ThrowProtocolViolation("invalid ReadyForQuery message: unknown transaction status");
        }

        return new ReadyForQuery((TransactionStatus)status);
    }

    /// <summary>Writes the message.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        var writer = MessageWriter.Begin(output, (byte)BackendMessageCode.ReadyForQuery, 1);
        writer.WriteByte((byte)TransactionStatus);
        writer.Commit();
    }
}
