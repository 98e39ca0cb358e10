using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Backend;

/// <summary>
/// NotificationResponse (B): a NOTIFY on a channel this session LISTENs to.
/// <code>
/// +-----+-----------+------------------+----------------+----------------+
/// | 'A' | Int32 len | Int32 process id | String channel | String payload |
/// +-----+-----------+------------------+----------------+----------------+
/// </code>
/// </summary>
/// <param name="ProcessId">The process id of the notifying backend.</param>
/// <param name="Channel">The name of the channel the notify was raised on.</param>
/// <param name="Payload">The payload string passed from the notifying process (empty when none).</param>
public readonly record struct NotificationResponse(int ProcessId, string Channel, string Payload)
{
    /// <summary>Reads the body.</summary>
    public static NotificationResponse Read(ReadOnlySequence<byte> body)
    {
        var reader = new MessageReader(body, "NotificationResponse");
        int pid = reader.ReadInt32();
        string channel = reader.ReadCString();
        string payload = reader.ReadCString();
        reader.ExpectEnd();
        return new NotificationResponse(pid, channel, payload);
    }

    /// <summary>Writes the message.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        var writer = MessageWriter.Begin(
            output,
            (byte)BackendMessageCode.NotificationResponse,
            4 + MessageWriter.CStringLength(Channel) + MessageWriter.CStringLength(Payload));
        writer.WriteInt32(ProcessId);
        writer.WriteCString(Channel);
        writer.WriteCString(Payload);
        writer.Commit();
    }
}
