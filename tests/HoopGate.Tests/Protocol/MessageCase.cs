using System.Buffers;

namespace HoopGate.Tests.Protocol;

/// <summary>A sample message for the table-driven codec tests.</summary>
/// <param name="Name">A unique name, used as the theory's data.</param>
/// <param name="Wire">The whole message as written: type byte (none for startup packets), length, body.</param>
/// <param name="IsStartupPacket">Framed with TryReadStartupPacket rather than TryReadMessage.</param>
/// <param name="StrictBody">Every field is structured, so any strict prefix or any extra byte must be rejected.</param>
/// <param name="Reencode">Decodes a framed body (or startup packet) with the type's reader and writes it again.</param>
internal sealed record MessageCase(
    string Name,
    byte[] Wire,
    bool IsStartupPacket,
    bool StrictBody,
    Func<ReadOnlySequence<byte>, byte[]> Reencode)
{
    public override string ToString() => Name;
}
