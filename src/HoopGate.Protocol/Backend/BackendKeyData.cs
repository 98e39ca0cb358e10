using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Backend;

/// <summary>
/// BackendKeyData (B): <c>'K', Int32 12, Int32 ProcessId, Int32 SecretKey</c>: what a client needs to cancel.
/// </summary>
/// <param name="ProcessId">The backend's process id.</param>
/// <param name="SecretKey">The secret key a CancelRequest must present.</param>
public readonly record struct BackendKeyData(int ProcessId, int SecretKey)
{
    /// <summary>Reads the body.</summary>
    public static BackendKeyData Read(ReadOnlySequence<byte> body)
    {
        var reader = new MessageReader(body, "BackendKeyData");
        int pid = reader.ReadInt32();
        int key = reader.ReadInt32();
        reader.ExpectEnd();
        return new BackendKeyData(pid, key);
    }

    /// <summary>Writes the message.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        var writer = MessageWriter.Begin(output, (byte)BackendMessageCode.BackendKeyData, 8);
        writer.WriteInt32(ProcessId);
        writer.WriteInt32(SecretKey);
        writer.Commit();
    }
}
