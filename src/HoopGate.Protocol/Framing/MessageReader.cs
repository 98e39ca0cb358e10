using System.Buffers;
using System.Text;
using HoopGate.Protocol.Errors;

namespace HoopGate.Protocol.Framing;

/// <summary>
/// Reads the fields of one framed message body (big-endian integers, NUL-terminated strings, byte runs)
/// from a possibly multi-segment sequence. Running past the end of the body is a protocol violation
/// that names the message, never an out-of-range exception.
/// </summary>
public ref struct MessageReader
{
    private SequenceReader<byte> _reader;
    private readonly string _messageName;

    /// <summary>Creates a reader over a message body.</summary>
    /// <param name="body">The body after the length field.</param>
    /// <param name="messageName">The message's protocol name, used in error texts.</param>
    public MessageReader(ReadOnlySequence<byte> body, string messageName)
    {
        _reader = new SequenceReader<byte>(body);
        _messageName = messageName;
    }

    /// <summary>Bytes not read yet.</summary>
    public readonly long Remaining => _reader.Remaining;

    /// <summary>True when the whole body has been read.</summary>
    public readonly bool End => _reader.End;

    /// <summary>Reads a byte.</summary>
    public byte ReadByte()
    {
        if (!_reader.TryRead(out byte value))
        {
            ThrowHelper.ThrowTruncated(_messageName);
        }

        return value;
    }

    /// <summary>Reads a big-endian Int16.</summary>
    public short ReadInt16()
    {
        if (!_reader.TryReadBigEndian(out short value))
        {
            ThrowHelper.ThrowTruncated(_messageName);
        }

        return value;
    }

    /// <summary>Reads a big-endian Int32.</summary>
    public int ReadInt32()
    {
        if (!_reader.TryReadBigEndian(out int value))
        {
            ThrowHelper.ThrowTruncated(_messageName);
        }

        return value;
    }

    /// <summary>
    /// Reads a big-endian Int16 that counts something and must not be negative: column counts, which cannot
    /// exceed 1664 (MaxTupleAttributeNumber). Parameter counts are unsigned: see <see cref="ReadUInt16Count"/>.
    /// </summary>
    public int ReadCount16()
    {
        short value = ReadInt16();
        if (value < 0)
        {
            ThrowHelper.ThrowProtocolViolation("invalid " + _messageName + " message: negative count");
        }

        return value;
    }

    /// <summary>
    /// Reads a big-endian Int16 count that PostgreSQL reads unsigned: the parameter and format-code counts of
    /// Parse, Bind, FunctionCall and ParameterDescription (<c>pq_getmsgint(msg, 2)</c> in postgres.c), which
    /// allow up to 65535 parameters. Reading them signed would reject statements the server accepts.
    /// </summary>
    public int ReadUInt16Count()
    {
        if (!_reader.TryReadBigEndian(out short value))
        {
            ThrowHelper.ThrowTruncated(_messageName);
        }

        return (ushort)value;
    }

    /// <summary>Reads a big-endian Int32 that counts something and must not be negative.</summary>
    public int ReadCount32()
    {
        int value = ReadInt32();
        if (value < 0)
        {
            ThrowHelper.ThrowProtocolViolation("invalid " + _messageName + " message: negative count");
        }

        return value;
    }

    /// <summary>Reads an object ID, which the wire carries as an Int32 but PostgreSQL treats as unsigned.</summary>
    public uint ReadOid() => unchecked((uint)ReadInt32());

    /// <summary>
    /// Fails unless at least <paramref name="byteCount"/> bytes remain. Call it before allocating for a count
    /// taken from the wire, so that a large count in a short body is a 08P01 rather than an allocation.
    /// </summary>
    public readonly void EnsureRemaining(long byteCount)
    {
        if (byteCount < 0 || _reader.Remaining < byteCount)
        {
            ThrowHelper.ThrowTruncated(_messageName);
        }
    }

    /// <summary>
    /// Reads an unsigned Int16 count followed by that many Int16 format codes, as in Bind and FunctionCall.
    /// </summary>
    public FormatCode[] ReadFormatCodes()
    {
        int count = ReadUInt16Count();
        EnsureRemaining(count * 2L);
        FormatCode[] codes = count == 0 ? [] : new FormatCode[count];
        for (int i = 0; i < codes.Length; i++)
        {
            codes[i] = (FormatCode)ReadInt16();
        }

        return codes;
    }

    /// <summary>Reads a NUL-terminated UTF-8 string.</summary>
    public string ReadCString()
    {
        if (!_reader.TryReadTo(out ReadOnlySequence<byte> bytes, 0, advancePastDelimiter: true))
        {
            ThrowHelper.ThrowProtocolViolation("invalid " + _messageName + " message: unterminated string");
        }

        return bytes.IsSingleSegment ? Encoding.UTF8.GetString(bytes.FirstSpan) : Encoding.UTF8.GetString(in bytes);
    }

    /// <summary>Reads a NUL-terminated string as raw bytes (without the terminator), without decoding it.</summary>
    public ReadOnlySequence<byte> ReadCStringBytes()
    {
        if (!_reader.TryReadTo(out ReadOnlySequence<byte> bytes, 0, advancePastDelimiter: true))
        {
            ThrowHelper.ThrowProtocolViolation("invalid " + _messageName + " message: unterminated string");
        }

        return bytes;
    }

    /// <summary>Reads <paramref name="count"/> bytes as a slice of the body.</summary>
    public ReadOnlySequence<byte> ReadBytes(long count)
    {
        if (count < 0 || _reader.Remaining < count)
        {
            ThrowHelper.ThrowTruncated(_messageName);
        }

        ReadOnlySequence<byte> slice = _reader.UnreadSequence.Slice(0, count);
        _reader.Advance(count);
        return slice;
    }

    /// <summary>Reads the rest of the body.</summary>
    public ReadOnlySequence<byte> ReadRemaining()
    {
        ReadOnlySequence<byte> rest = _reader.UnreadSequence;
        _reader.AdvanceToEnd();
        return rest;
    }

    /// <summary>Reads an Int32 length-prefixed value; -1 means NULL and yields <see langword="null"/>.</summary>
    public byte[]? ReadNullableValue()
    {
        int length = ReadInt32();
        if (length == -1)
        {
            return null;
        }

        if (length < -1)
        {
            ThrowHelper.ThrowProtocolViolation("invalid " + _messageName + " message: negative value length");
        }

        return ReadBytes(length).ToArray();
    }

    /// <summary>
    /// Reads an Int32 length-prefixed value as a slice of the body, without copying; -1 means NULL.
    /// The slice is valid only as long as the buffer it came from.
    /// </summary>
    /// <param name="isNull">Set when the length was -1; the returned slice is then empty.</param>
    public ReadOnlySequence<byte> ReadNullableValueSlice(out bool isNull)
    {
        int length = ReadInt32();
        if (length == -1)
        {
            isNull = true;
            return ReadOnlySequence<byte>.Empty;
        }

        if (length < -1)
        {
            ThrowHelper.ThrowProtocolViolation("invalid " + _messageName + " message: negative value length");
        }

        isNull = false;
        return ReadBytes(length);
    }

    /// <summary>Fails when bytes remain after the last field.</summary>
    public readonly void ExpectEnd()
    {
        if (!_reader.End)
        {
            ThrowHelper.ThrowProtocolViolation("invalid " + _messageName + " message: unexpected trailing bytes");
        }
    }
}
