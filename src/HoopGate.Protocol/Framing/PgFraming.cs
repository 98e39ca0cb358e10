using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using HoopGate.Protocol.Errors;

namespace HoopGate.Protocol.Framing;

/// <summary>
/// Finds message boundaries in a byte sequence without copying.
/// <code>
/// regular message:  +------+-----------------+------------------------+
///                   | code | Int32 length    | body (length - 4)      |
///                   +------+-----------------+------------------------+
/// startup packet:   +-----------------+-----------------+-------------+
///                   | Int32 length    | Int32 code/ver  | body        |
///                   +-----------------+-----------------+-------------+
/// </code>
/// The length counts itself but not the type byte. Limits are checked against the header, before
/// the body is buffered, so an absurd length is a 08P01 rather than an allocation.
/// </summary>
public static class PgFraming
{
    /// <summary>Type byte plus Int32 length.</summary>
    public const int HeaderLength = 5;

    /// <summary>The smallest legal value of a message's length field (the length itself, empty body).</summary>
    public const int MinimumLength = 4;

    /// <summary>
    /// Reads the header of the next message if at least <see cref="HeaderLength"/> bytes are present.
    /// </summary>
    /// <param name="buffer">Unconsumed input.</param>
    /// <param name="code">The type byte.</param>
    /// <param name="length">The length field, which counts itself (so the whole message is <c>length + 1</c> bytes).</param>
    /// <returns><see langword="false"/> when fewer than five bytes are available.</returns>
    /// <exception cref="PgProtocolException">The length field is below four.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryReadHeader(in ReadOnlySequence<byte> buffer, out byte code, out int length)
    {
        ReadOnlySpan<byte> first = buffer.FirstSpan;
        if (first.Length >= HeaderLength)
        {
            code = first[0];
            length = BinaryPrimitives.ReadInt32BigEndian(first.Slice(1));
        }
        else
        {
            if (buffer.Length < HeaderLength)
            {
                code = 0;
                length = 0;
                return false;
            }

            Span<byte> header = stackalloc byte[HeaderLength];
            buffer.Slice(0, HeaderLength).CopyTo(header);
            code = header[0];
            length = BinaryPrimitives.ReadInt32BigEndian(header.Slice(1));
        }

        if (length < MinimumLength)
        {
            ThrowHelper.ThrowInvalidLength(length);
        }

        return true;
    }

    /// <summary>
    /// Reads one whole regular message. On success <paramref name="buffer"/> is advanced past it.
    /// </summary>
    /// <param name="buffer">Unconsumed input; advanced past the message on success.</param>
    /// <param name="maxLength">The largest accepted length field.</param>
    /// <param name="code">The type byte.</param>
    /// <param name="body">The message body, after the length field.</param>
    /// <returns><see langword="false"/> when the message is not complete yet (nothing is consumed).</returns>
    /// <exception cref="PgProtocolException">The length is below four or above <paramref name="maxLength"/>.</exception>
    public static bool TryReadMessage(ref ReadOnlySequence<byte> buffer, int maxLength, out byte code, out ReadOnlySequence<byte> body)
    {
        if (!TryReadHeader(buffer, out code, out int length))
        {
            body = default;
            return false;
        }

        if (length > maxLength)
        {
            ThrowHelper.ThrowMessageTooLong(length, maxLength);
        }

        long total = (long)length + 1;
        if (buffer.Length < total)
        {
            body = default;
            return false;
        }

        body = buffer.Slice(HeaderLength, length - MinimumLength);
        buffer = buffer.Slice(total);
        return true;
    }

    /// <summary>
    /// Reads one whole startup-phase packet (StartupMessage, SSLRequest, GSSENCRequest, CancelRequest),
    /// which has no type byte. On success <paramref name="buffer"/> is advanced past it.
    /// </summary>
    /// <param name="buffer">Unconsumed input; advanced past the packet on success.</param>
    /// <param name="maxLength">The largest accepted length field.</param>
    /// <param name="packet">The packet after its length field: the Int32 request code or protocol version, then the body.</param>
    /// <returns><see langword="false"/> when the packet is not complete yet.</returns>
    /// <exception cref="PgProtocolException">The length is below eight or above <paramref name="maxLength"/>.</exception>
    public static bool TryReadStartupPacket(ref ReadOnlySequence<byte> buffer, int maxLength, out ReadOnlySequence<byte> packet)
    {
        packet = default;
        if (buffer.Length < 4)
        {
            return false;
        }

        int length = ReadInt32(buffer);

        // The smallest startup packet is an SSLRequest: length and request code.
        if (length < 8)
        {
            ThrowHelper.ThrowInvalidLength(length);
        }

        if (length > maxLength)
        {
            ThrowHelper.ThrowMessageTooLong(length, maxLength);
        }

        if (buffer.Length < length)
        {
            return false;
        }

        packet = buffer.Slice(4, length - 4);
        buffer = buffer.Slice(length);
        return true;
    }

    /// <summary>Reads a big-endian Int32 at the start of a sequence of at least four bytes.</summary>
    public static int ReadInt32(in ReadOnlySequence<byte> buffer)
    {
        ReadOnlySpan<byte> first = buffer.FirstSpan;
        if (first.Length >= 4)
        {
            return BinaryPrimitives.ReadInt32BigEndian(first);
        }

        Span<byte> scratch = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(scratch);
        return BinaryPrimitives.ReadInt32BigEndian(scratch);
    }
}
