using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using HoopGate.Protocol.Errors;

namespace HoopGate.Protocol.Framing;

/// <summary>
/// Writes one message into a span reserved for its exact size: callers compute the body length first
/// (<see cref="CStringLength(string)"/> helps), call <see cref="Begin"/>, write the fields and <see cref="Commit"/>.
/// The length field is written up front, so nothing is back-patched and nothing is copied twice.
/// </summary>
public ref struct MessageWriter
{
    private readonly IBufferWriter<byte> _output;
    private readonly Span<byte> _span;
    private readonly int _size;
    private int _position;

    private MessageWriter(IBufferWriter<byte> output, Span<byte> span, int size, int position)
    {
        _output = output;
        _span = span;
        _size = size;
        _position = position;
    }

    /// <summary>Starts a regular message: type byte and length.</summary>
    /// <param name="output">Where the message goes.</param>
    /// <param name="code">The type byte.</param>
    /// <param name="bodyLength">The number of body bytes that will follow.</param>
    public static MessageWriter Begin(IBufferWriter<byte> output, byte code, int bodyLength)
    {
        int size = PgFraming.HeaderLength + bodyLength;
        Span<byte> span = output.GetSpan(size);
        span[0] = code;
        BinaryPrimitives.WriteInt32BigEndian(span.Slice(1), bodyLength + 4);
        return new MessageWriter(output, span, size, PgFraming.HeaderLength);
    }

    /// <summary>Starts a startup-phase packet (no type byte): length then <paramref name="code"/>.</summary>
    /// <param name="output">Where the packet goes.</param>
    /// <param name="code">The protocol version or request code.</param>
    /// <param name="bodyLength">The number of bytes after the code.</param>
    public static MessageWriter BeginStartup(IBufferWriter<byte> output, int code, int bodyLength)
    {
        int size = 8 + bodyLength;
        Span<byte> span = output.GetSpan(size);
        BinaryPrimitives.WriteInt32BigEndian(span, size);
        BinaryPrimitives.WriteInt32BigEndian(span.Slice(4), code);
        return new MessageWriter(output, span, size, 8);
    }

    /// <summary>The bytes a NUL-terminated UTF-8 string takes.</summary>
    public static int CStringLength(string value) => Encoding.UTF8.GetByteCount(value) + 1;

    /// <summary>Writes a byte.</summary>
    public void WriteByte(byte value) => _span[_position++] = value;

    /// <summary>Writes a big-endian Int16.</summary>
    public void WriteInt16(short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(_span.Slice(_position), value);
        _position += 2;
    }

    /// <summary>Writes a big-endian Int32.</summary>
    public void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(_span.Slice(_position), value);
        _position += 4;
    }

    /// <summary>
    /// Writes a count as an Int16 that PostgreSQL reads unsigned (parameter and format-code counts), 0 to 65535.
    /// See <see cref="MessageReader.ReadUInt16Count"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The count does not fit.</exception>
    public void WriteUInt16Count(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, ushort.MaxValue);
        WriteInt16(unchecked((short)count));
    }

    /// <summary>Writes a count as a non-negative Int16 (column counts), 0 to 32767.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The count does not fit.</exception>
    public void WriteCount16(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, short.MaxValue);
        WriteInt16((short)count);
    }

    /// <summary>Writes an unsigned Int16 count and then each format code as an Int16, as in Bind and FunctionCall.</summary>
    public void WriteFormatCodes(IReadOnlyList<FormatCode> codes)
    {
        WriteUInt16Count(codes.Count);
        for (int i = 0; i < codes.Count; i++)
        {
            WriteInt16((short)codes[i]);
        }
    }

    /// <summary>Writes an object ID as the Int32 the wire carries.</summary>
    public void WriteOid(uint value) => WriteInt32(unchecked((int)value));

    /// <summary>Writes a NUL-terminated UTF-8 string.</summary>
    /// <exception cref="ArgumentException">The string contains a NUL, which would end it early on the wire.</exception>
    public void WriteCString(string value)
    {
        // An embedded NUL would split the string and shift every later field, e.g. inject an ErrorResponse field.
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            ThrowHelper.ThrowStringContainsNul(nameof(value));
        }

        _position += Encoding.UTF8.GetBytes(value, _span.Slice(_position));
        _span[_position++] = 0;
    }

    /// <summary>Writes raw bytes.</summary>
    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        value.CopyTo(_span.Slice(_position));
        _position += value.Length;
    }

    /// <summary>Writes raw bytes from a sequence.</summary>
    public void WriteBytes(in ReadOnlySequence<byte> value)
    {
        value.CopyTo(_span.Slice(_position));
        _position += (int)value.Length;
    }

    /// <summary>Writes an Int32 length-prefixed value; <see langword="null"/> is written as length -1.</summary>
    public void WriteNullableValue(ReadOnlySpan<byte> value, bool isNull)
    {
        if (isNull)
        {
            WriteInt32(-1);
            return;
        }

        WriteInt32(value.Length);
        WriteBytes(value);
    }

    /// <summary>Advances the output past the message; the written size must match the declared one.</summary>
    public readonly void Commit()
    {
        if (_position != _size)
        {
            throw new InvalidOperationException("message body size does not match its declared length");
        }

        _output.Advance(_size);
    }
}
