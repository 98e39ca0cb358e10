using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Frontend;

/// <summary>
/// CancelRequest (F), sent on a new connection instead of a StartupMessage.
/// <code>
/// +-----------+--------------+----------------+----------------+
/// | Int32 16  | Int32 code   | Int32 pid      | Int32 secret   |
/// +-----------+--------------+----------------+----------------+
/// </code>
/// </summary>
/// <param name="ProcessId">The target backend's process id.</param>
/// <param name="SecretKey">The secret key from that session's BackendKeyData.</param>
public readonly record struct CancelRequest(int ProcessId, int SecretKey)
{
    /// <summary>Reads the packet (after the length field, starting at the request code).</summary>
    public static CancelRequest Read(ReadOnlySequence<byte> packet)
    {
        var reader = new MessageReader(packet, "CancelRequest");
        _ = reader.ReadInt32();
        int pid = reader.ReadInt32();
        int secret = reader.ReadInt32();
        reader.ExpectEnd();
        return new CancelRequest(pid, secret);
    }

    /// <summary>Writes the packet.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        var writer = MessageWriter.BeginStartup(output, StartupRequestCode.CancelRequest, 8);
        writer.WriteInt32(ProcessId);
        writer.WriteInt32(SecretKey);
        writer.Commit();
    }
}
