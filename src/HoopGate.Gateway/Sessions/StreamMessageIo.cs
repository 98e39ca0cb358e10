using System.Buffers;
using System.Buffers.Binary;
using HoopGate.Protocol.Errors;
using HoopGate.Protocol.Framing;

namespace HoopGate.Gateway.Sessions;

/// <summary>
/// Reads and writes whole messages on a stream during the startup phase, before pipes take over.
/// Reads are exact (header, then body) so that nothing past the current message is consumed: after an
/// SSLRequest the next bytes belong to the TLS handshake, and after startup to the relay.
/// Startup is not the hot path; these allocate freely.
/// </summary>
internal static class StreamMessageIo
{
    /// <summary>Reads a startup-phase packet (no type byte); returns the bytes after the length field.</summary>
    public static async ValueTask<byte[]> ReadStartupPacketAsync(Stream stream, int maxLength, CancellationToken cancellationToken)
    {
        byte[] header = new byte[4];
        await stream.ReadExactlyAsync(header, cancellationToken);
        int length = BinaryPrimitives.ReadInt32BigEndian(header);
        if (length < 8)
        {
            ThrowHelper.ThrowInvalidLength(length);
        }

        if (length > maxLength)
        {
            ThrowHelper.ThrowMessageTooLong(length, maxLength);
        }

        byte[] packet = new byte[length - 4];
        await stream.ReadExactlyAsync(packet, cancellationToken);
        return packet;
    }

    /// <summary>Reads one regular message; returns its type byte and body.</summary>
    public static async ValueTask<(byte Code, byte[] Body)> ReadMessageAsync(Stream stream, int maxLength, CancellationToken cancellationToken)
    {
        byte[] header = new byte[PgFraming.HeaderLength];
        await stream.ReadExactlyAsync(header, cancellationToken);
        int length = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1));
        if (length < PgFraming.MinimumLength)
        {
            ThrowHelper.ThrowInvalidLength(length);
        }

        if (length > maxLength)
        {
            ThrowHelper.ThrowMessageTooLong(length, maxLength);
        }

        byte[] body = new byte[length - 4];
        await stream.ReadExactlyAsync(body, cancellationToken);
        return (header[0], body);
    }

    /// <summary>Writes what <paramref name="write"/> produces and flushes.</summary>
    public static async ValueTask WriteAsync(Stream stream, Action<IBufferWriter<byte>> write, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        write(buffer);
        await stream.WriteAsync(buffer.WrittenMemory, cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }
}
