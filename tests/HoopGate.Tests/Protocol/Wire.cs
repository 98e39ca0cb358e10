using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Tests.Protocol;

/// <summary>Writes messages to bytes and frames them back.</summary>
internal static class Wire
{
    /// <summary>Large enough for every test message; the limit itself is tested separately.</summary>
    public const int MaxLength = 1 << 20;

    public static byte[] Write(Action<IBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(output);
        return output.WrittenSpan.ToArray();
    }

    public static byte[] BigEndian(int value)
    {
        byte[] bytes = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal));

    /// <summary>Writes one regular message, frames it with <see cref="PgFraming"/> and returns its type byte and body.</summary>
    public static (byte Code, ReadOnlySequence<byte> Body) WriteAndFrame(Action<IBufferWriter<byte>> write) => Frame(Write(write));

    /// <summary>Frames exactly one regular message that must fill <paramref name="wire"/>.</summary>
    public static (byte Code, ReadOnlySequence<byte> Body) Frame(byte[] wire)
    {
        var buffer = new ReadOnlySequence<byte>(wire);
        Assert.True(PgFraming.TryReadMessage(ref buffer, MaxLength, out byte code, out ReadOnlySequence<byte> body));
        Assert.True(buffer.IsEmpty, "the writer produced bytes after the message");
        return (code, body);
    }

    /// <summary>Writes one startup packet, frames it and returns the packet after its length field.</summary>
    public static ReadOnlySequence<byte> WriteAndFrameStartup(Action<IBufferWriter<byte>> write)
    {
        var buffer = new ReadOnlySequence<byte>(Write(write));
        Assert.True(PgFraming.TryReadStartupPacket(ref buffer, MaxLength, out ReadOnlySequence<byte> packet));
        Assert.True(buffer.IsEmpty, "the writer produced bytes after the packet");
        return packet;
    }
}
