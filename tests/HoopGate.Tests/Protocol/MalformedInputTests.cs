using System.Buffers;
using HoopGate.Protocol.Backend;
using HoopGate.Protocol.Errors;
using HoopGate.Protocol.Frontend;

namespace HoopGate.Tests.Protocol;

/// <summary>Malformed bodies are 08P01 protocol violations, never index or allocation failures.</summary>
public sealed class MalformedInputTests
{
    public static TheoryData<string> StrictNames => MessageCases.StrictNames;

    [Theory]
    [MemberData(nameof(StrictNames))]
    public void Every_truncated_body_is_a_protocol_violation(string name)
    {
        MessageCase c = MessageCases.Get(name);
        byte[] body = BodyOf(c);

        for (int length = 0; length < body.Length; length++)
        {
            AssertProtocolViolation(() => c.Reencode(new ReadOnlySequence<byte>(body[..length])));
            AssertProtocolViolation(() => c.Reencode(SegmentedSequence.OneBytePerSegment(body[..length])));
        }
    }

    [Theory]
    [MemberData(nameof(StrictNames))]
    public void Trailing_bytes_after_the_last_field_are_a_protocol_violation(string name)
    {
        MessageCase c = MessageCases.Get(name);
        byte[] body = [.. BodyOf(c), 0x41];

        AssertProtocolViolation(() => c.Reencode(new ReadOnlySequence<byte>(body)));
        AssertProtocolViolation(() => c.Reencode(SegmentedSequence.OneBytePerSegment(body)));
    }

    [Fact]
    public void Unterminated_string_is_a_protocol_violation()
    {
        PgProtocolException e = AssertProtocolViolation(() => Query.Read(Body("SELECT 1"u8)));

        Assert.Contains("unterminated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Negative_DataRow_column_count_is_a_protocol_violation()
    {
        PgProtocolException e = AssertProtocolViolation(() => DataRow.Read(Body([0xff, 0xff])));

        Assert.Contains("negative count", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Negative_RowDescription_field_count_is_a_protocol_violation()
    {
        AssertProtocolViolation(() => RowDescription.Read(Body([0x80, 0x00])));
    }

    [Fact]
    public void Negative_CopyOutResponse_column_count_is_a_protocol_violation()
    {
        AssertProtocolViolation(() => CopyOutResponse.Read(Body([0x00, 0xff, 0xfe])));
    }

    [Fact]
    public void Negative_NegotiateProtocolVersion_option_count_is_a_protocol_violation()
    {
        AssertProtocolViolation(() => NegotiateProtocolVersion.Read(Body([0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff])));
    }

    [Fact]
    public void Huge_counts_in_short_bodies_are_protocol_violations_not_allocations()
    {
        AssertProtocolViolation(() => NegotiateProtocolVersion.Read(Body([0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff])));
        AssertProtocolViolation(() => DataRow.Read(Body([0x7f, 0xff, 0, 0, 0, 0])));
        AssertProtocolViolation(() => Parse.Read(Body([0, 0, 0xff, 0xff, 0, 0, 0, 23])));
        AssertProtocolViolation(() => ParameterDescription.Read(Body([0xff, 0xff])));
    }

    [Theory]
    [InlineData(-2)]
    [InlineData(int.MinValue)]
    public void Value_length_below_minus_one_is_a_protocol_violation(int length)
    {
        byte[] len = Wire.BigEndian(length);

        AssertProtocolViolation(() => DataRow.Read(Body([0, 1, .. len])));
        AssertProtocolViolation(() => Bind.Read(Body([0, 0, 0, 0, 0, 1, .. len, 0, 0])));
        AssertProtocolViolation(() => FunctionCallResponse.Read(Body(len)));
    }

    [Fact]
    public void Value_length_beyond_the_body_is_a_protocol_violation()
    {
        AssertProtocolViolation(() => DataRow.Read(Body([0, 1, 0, 0, 0, 5, 1, 2])));
    }

    [Theory]
    [InlineData((byte)'X')]
    [InlineData((byte)'s')]
    [InlineData((byte)0)]
    public void Describe_and_Close_with_an_unknown_subtype_are_protocol_violations(byte kind)
    {
        AssertProtocolViolation(() => Describe.Read(Body([kind, 0])));
        AssertProtocolViolation(() => Close.Read(Body([kind, 0])));
    }

    [Fact]
    public void ReadyForQuery_with_an_unknown_status_is_a_protocol_violation()
    {
        AssertProtocolViolation(() => ReadyForQuery.Read(Body([(byte)'Q'])));
    }

    [Fact]
    public void StartupMessage_with_a_duplicate_parameter_is_a_protocol_violation()
    {
        AssertProtocolViolation(() => StartupMessage.Read(Body([0, 3, 0, 0, .. "user\0a\0user\0b\0\0"u8])));
    }

    private static ReadOnlySequence<byte> Body(ReadOnlySpan<byte> bytes) => new(bytes.ToArray());

    private static byte[] BodyOf(MessageCase c) => c.Wire[(c.IsStartupPacket ? 4 : 5)..];

    private static PgProtocolException AssertProtocolViolation(Func<object> read)
    {
        PgProtocolException e = Assert.Throws<PgProtocolException>(() => read());
        Assert.Equal("08P01", e.SqlState);
        return e;
    }
}
