using System.Buffers;
using HoopGate.Protocol.Errors;
using HoopGate.Protocol.Framing;

namespace HoopGate.Tests.Protocol;

/// <summary>The framer's length checks: below the minimum and above the limit are 08P01, decided from the header.</summary>
public sealed class PgFramingTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void Length_field_below_four_is_a_protocol_violation(int length)
    {
        byte[] wire = [(byte)'Q', .. Wire.BigEndian(length), 0, 0, 0, 0];

        AssertProtocolViolation(() => TryRead(new ReadOnlySequence<byte>(wire), 1024));
        AssertProtocolViolation(() => TryRead(SegmentedSequence.OneBytePerSegment(wire), 1024));
    }

    [Fact]
    public void Length_above_the_limit_is_rejected_from_the_header_alone()
    {
        // Only the five header bytes are present: the limit must be enforced before waiting for the body.
        byte[] header = [(byte)'Q', .. Wire.BigEndian(1_000_001)];

        for (int split = 0; split <= header.Length; split++)
        {
            PgProtocolException e = AssertProtocolViolation(() => TryRead(SegmentedSequence.SplitAt(header, split), 1_000_000));
            Assert.Contains("1000001", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Length_equal_to_the_limit_is_accepted()
    {
        byte[] wire = [(byte)'d', .. Wire.BigEndian(8), 1, 2, 3, 4];
        var buffer = new ReadOnlySequence<byte>(wire);

        Assert.True(PgFraming.TryReadMessage(ref buffer, 8, out byte code, out ReadOnlySequence<byte> body));
        Assert.Equal((byte)'d', code);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, body.ToArray());
    }

    [Fact]
    public void Fewer_than_five_bytes_is_not_yet_a_header()
    {
        byte[] wire = [(byte)'Q', 0, 0, 0];
        var buffer = new ReadOnlySequence<byte>(wire);

        Assert.False(PgFraming.TryReadHeader(buffer, out _, out _));
        Assert.False(PgFraming.TryReadMessage(ref buffer, 1024, out _, out _));
        Assert.Equal(4, buffer.Length);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(4)]
    [InlineData(0)]
    [InlineData(-8)]
    public void Startup_packet_length_below_eight_is_a_protocol_violation(int length)
    {
        byte[] wire = [.. Wire.BigEndian(length), .. Wire.BigEndian(196608)];

        AssertProtocolViolation(() => TryReadStartup(new ReadOnlySequence<byte>(wire), 10_000));
        AssertProtocolViolation(() => TryReadStartup(SegmentedSequence.OneBytePerSegment(wire), 10_000));
    }

    [Fact]
    public void Startup_packet_length_above_the_limit_is_rejected_from_the_length_alone()
    {
        byte[] lengthOnly = Wire.BigEndian(10_001);

        AssertProtocolViolation(() => TryReadStartup(new ReadOnlySequence<byte>(lengthOnly), 10_000));
        AssertProtocolViolation(() => TryReadStartup(SegmentedSequence.OneBytePerSegment(lengthOnly), 10_000));
    }

    [Fact]
    public void Startup_packet_of_exactly_eight_bytes_is_accepted()
    {
        byte[] wire = [.. Wire.BigEndian(8), .. Wire.BigEndian(80877103)];
        var buffer = new ReadOnlySequence<byte>(wire);

        Assert.True(PgFraming.TryReadStartupPacket(ref buffer, 8, out ReadOnlySequence<byte> packet));
        Assert.Equal(Wire.BigEndian(80877103), packet.ToArray());
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void Fewer_than_four_startup_bytes_needs_more_data()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0, 0, 0 });

        Assert.False(PgFraming.TryReadStartupPacket(ref buffer, 10_000, out _));
        Assert.Equal(3, buffer.Length);
    }

    private static bool TryRead(ReadOnlySequence<byte> buffer, int maxLength) =>
        PgFraming.TryReadMessage(ref buffer, maxLength, out _, out _);

    private static bool TryReadStartup(ReadOnlySequence<byte> buffer, int maxLength) =>
        PgFraming.TryReadStartupPacket(ref buffer, maxLength, out _);

    private static PgProtocolException AssertProtocolViolation(Func<bool> read)
    {
        PgProtocolException e = Assert.Throws<PgProtocolException>(() => read());
        Assert.Equal("08P01", e.SqlState);
        return e;
    }
}
