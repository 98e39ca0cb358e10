using System.Buffers;
using HoopGate.Protocol.Framing;

namespace HoopGate.Tests.Protocol;

/// <summary>
/// STYLE §7: every message split at every byte offset, and into one-byte segments, frames and reads exactly
/// as it does from one contiguous buffer; every strict prefix is "need more data" and consumes nothing.
/// "Reads identically" is checked by decoding the framed body with the type's reader and writing it again:
/// the bytes must equal the original, so a field lost or misread at a segment boundary fails the test.
/// </summary>
public sealed class FramingFuzzTests
{
    public static TheoryData<string> Names => MessageCases.Names;

    [Theory]
    [MemberData(nameof(Names))]
    public void Message_in_one_segment_frames_and_reads_back_to_the_same_bytes(string name)
    {
        MessageCase c = MessageCases.Get(name);

        AssertFramesAndReadsIdentically(c, new ReadOnlySequence<byte>(c.Wire));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Message_split_at_every_offset_frames_and_reads_identically(string name)
    {
        MessageCase c = MessageCases.Get(name);

        for (int split = 0; split <= c.Wire.Length; split++)
        {
            AssertFramesAndReadsIdentically(c, SegmentedSequence.SplitAt(c.Wire, split));
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Message_split_at_every_pair_of_offsets_frames_and_reads_identically(string name)
    {
        MessageCase c = MessageCases.Get(name);

        for (int first = 0; first <= c.Wire.Length; first++)
        {
            for (int second = first; second <= c.Wire.Length; second++)
            {
                AssertFramesAndReadsIdentically(c, SegmentedSequence.SplitAt(c.Wire, first, second));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Message_in_one_byte_segments_frames_and_reads_identically(string name)
    {
        MessageCase c = MessageCases.Get(name);
        ReadOnlySequence<byte> sequence = SegmentedSequence.OneBytePerSegment(c.Wire);
        Assert.Equal(c.Wire.Length, SegmentedSequence.CountSegments(sequence));

        AssertFramesAndReadsIdentically(c, sequence);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Every_strict_prefix_needs_more_data_and_consumes_nothing(string name)
    {
        MessageCase c = MessageCases.Get(name);

        for (int length = 0; length < c.Wire.Length; length++)
        {
            byte[] prefix = c.Wire[..length];
            AssertNeedsMoreData(c, new ReadOnlySequence<byte>(prefix));
            AssertNeedsMoreData(c, SegmentedSequence.OneBytePerSegment(prefix));
            for (int split = 0; split <= length; split++)
            {
                AssertNeedsMoreData(c, SegmentedSequence.SplitAt(prefix, split));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Message_followed_by_more_input_is_consumed_exactly(string name)
    {
        MessageCase c = MessageCases.Get(name);
        byte[] next = [(byte)'Z', 0, 0, 0, 5, (byte)'I'];
        byte[] wire = [.. c.Wire, .. next];

        for (int split = 0; split <= wire.Length; split++)
        {
            ReadOnlySequence<byte> buffer = SegmentedSequence.SplitAt(wire, split);
            ReadOnlySequence<byte> body = FrameOne(c, ref buffer);

            Assert.Equal(c.Wire, c.Reencode(body));
            Assert.Equal(next, buffer.ToArray());
        }
    }

    [Fact]
    public void Stream_of_every_regular_message_fed_one_byte_at_a_time_reads_every_message_in_order()
    {
        MessageCase[] cases = MessageCases.All.Where(c => !c.IsStartupPacket).ToArray();
        byte[] stream = cases.SelectMany(c => c.Wire).ToArray();

        // Like a pipe reader: the buffer grows a byte at a time, and what was framed is consumed.
        int consumed = 0;
        int next = 0;
        for (int available = 0; available <= stream.Length; available++)
        {
            ReadOnlySequence<byte> buffer = SegmentedSequence.OneBytePerSegment(stream[consumed..available]);
            while (PgFraming.TryReadMessage(ref buffer, Wire.MaxLength, out byte code, out ReadOnlySequence<byte> body))
            {
                MessageCase expected = cases[next++];
                Assert.Equal(expected.Wire[0], code);
                Assert.Equal(expected.Wire, expected.Reencode(body));
                consumed += expected.Wire.Length;
            }

            Assert.Equal(available - consumed, (int)buffer.Length);
        }

        Assert.Equal(cases.Length, next);
        Assert.Equal(stream.Length, consumed);
    }

    [Fact]
    public void Segment_helper_builds_real_multi_segment_sequences()
    {
        byte[] data = [1, 2, 3, 4, 5];

        ReadOnlySequence<byte> split = SegmentedSequence.SplitAt(data, 2, 2, 4);
        ReadOnlySequence<byte> bytes = SegmentedSequence.OneBytePerSegment(data);

        Assert.False(split.IsSingleSegment);
        Assert.Equal(4, SegmentedSequence.CountSegments(split));
        Assert.Equal(data, split.ToArray());
        Assert.Equal(5, SegmentedSequence.CountSegments(bytes));
        Assert.Equal(data, bytes.ToArray());
    }

    private static void AssertFramesAndReadsIdentically(MessageCase c, ReadOnlySequence<byte> buffer)
    {
        ReadOnlySequence<byte> body = FrameOne(c, ref buffer);

        Assert.True(buffer.IsEmpty);
        Assert.Equal(c.Wire, c.Reencode(body));
    }

    private static ReadOnlySequence<byte> FrameOne(MessageCase c, ref ReadOnlySequence<byte> buffer)
    {
        if (c.IsStartupPacket)
        {
            Assert.True(PgFraming.TryReadStartupPacket(ref buffer, Wire.MaxLength, out ReadOnlySequence<byte> packet));
            Assert.Equal(c.Wire.Length - 4, (int)packet.Length);
            return packet;
        }

        Assert.True(PgFraming.TryReadMessage(ref buffer, Wire.MaxLength, out byte code, out ReadOnlySequence<byte> body));
        Assert.Equal(c.Wire[0], code);
        Assert.Equal(c.Wire.Length - PgFraming.HeaderLength, (int)body.Length);
        return body;
    }

    private static void AssertNeedsMoreData(MessageCase c, ReadOnlySequence<byte> buffer)
    {
        ReadOnlySequence<byte> before = buffer;
        bool complete = c.IsStartupPacket
            ? PgFraming.TryReadStartupPacket(ref buffer, Wire.MaxLength, out _)
            : PgFraming.TryReadMessage(ref buffer, Wire.MaxLength, out _, out _);

        Assert.False(complete);
        Assert.Equal(before.Start, buffer.Start);
        Assert.Equal(before.End, buffer.End);
    }
}
