using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Protocol.Frontend;

/// <summary>
/// Execute (F): runs a portal.
/// <code>
/// +-----+-----------+---------------+----------------+
/// | 'E' | Int32 len | String portal | Int32 max rows |
/// +-----+-----------+---------------+----------------+
/// </code>
/// </summary>
/// <param name="PortalName">The portal to execute, empty for the unnamed one.</param>
/// <param name="MaxRows">
/// The most rows to return before PortalSuspended; zero means no limit (the server treats a negative value alike).
/// </param>
public readonly record struct Execute(string PortalName, int MaxRows)
{
    /// <summary>Reads the body.</summary>
    public static Execute Read(ReadOnlySequence<byte> body)
    {
        var reader = new MessageReader(body, "Execute");
        string portal = reader.ReadCString();
        int maxRows = reader.ReadInt32();
        reader.ExpectEnd();
        return new Execute(portal, maxRows);
    }

    /// <summary>Writes the message.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        var writer = MessageWriter.Begin(output, (byte)FrontendMessageCode.Execute, MessageWriter.CStringLength(PortalName) + 4);
        writer.WriteCString(PortalName);
        writer.WriteInt32(MaxRows);
        writer.Commit();
    }
}
