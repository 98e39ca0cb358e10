using System.Buffers;
using HoopGate.Protocol.Framing;
using HoopGate.Protocol.Frontend;

namespace HoopGate.Tests.Protocol;

/// <summary>Each frontend message written, framed with PgFraming and read back, field by field.</summary>
public sealed class FrontendMessageTests
{
    [Fact]
    public void StartupMessage_round_trips_with_parameters_in_order()
    {
        var original = new StartupMessage(
            StartupRequestCode.ProtocolVersion3,
            [new("user", "alice"), new("database", "clinic"), new("options", "-c search_path=ü")]);

        ReadOnlySequence<byte> packet = Wire.WriteAndFrameStartup(original.WriteTo);
        StartupMessage read = StartupMessage.Read(packet);

        Assert.Equal(StartupPacketKind.StartupMessage, StartupPacket.GetKind(packet));
        Assert.Equal(196608, read.ProtocolVersion);
        Assert.Equal(original.Parameters, read.Parameters);
        Assert.Equal("clinic", read["database"]);
        Assert.Null(read["replication"]);
    }

    [Fact]
    public void CancelRequest_round_trips()
    {
        ReadOnlySequence<byte> packet = Wire.WriteAndFrameStartup(new CancelRequest(12345, -98765).WriteTo);

        Assert.Equal(StartupPacketKind.CancelRequest, StartupPacket.GetKind(packet));
        Assert.Equal(new CancelRequest(12345, -98765), CancelRequest.Read(packet));
    }

    [Fact]
    public void SSLRequest_and_GSSENCRequest_frame_as_their_kinds()
    {
        ReadOnlySequence<byte> ssl = Wire.WriteAndFrameStartup(SSLRequest.Write);
        ReadOnlySequence<byte> gss = Wire.WriteAndFrameStartup(GSSENCRequest.Write);

        Assert.Equal(StartupPacketKind.SSLRequest, StartupPacket.GetKind(ssl));
        Assert.Equal(StartupPacketKind.GSSENCRequest, StartupPacket.GetKind(gss));
    }

    [Fact]
    public void Query_round_trips_with_non_ascii_text()
    {
        (byte code, ReadOnlySequence<byte> body) = Wire.WriteAndFrame(new Query("SELECT 'Zoë'; SELECT 2").WriteTo);

        Assert.Equal((byte)FrontendMessageCode.Query, code);
        Assert.Equal("SELECT 'Zoë'; SELECT 2", Query.Read(body).QueryString);
    }

    [Fact]
    public void PasswordMessage_round_trips_and_hides_the_password_from_ToString()
    {
        (byte code, ReadOnlySequence<byte> body) = Wire.WriteAndFrame(new PasswordMessage("hunter2").WriteTo);
        PasswordMessage read = PasswordMessage.Read(body);

        Assert.Equal((byte)'p', code);
        Assert.Equal("hunter2", read.Password);
        Assert.DoesNotContain("hunter2", read.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void SASLInitialResponse_round_trips_with_and_without_data()
    {
        (_, ReadOnlySequence<byte> withData) = Wire.WriteAndFrame(new SASLInitialResponse("SCRAM-SHA-256", [1, 2, 3]).WriteTo);
        (_, ReadOnlySequence<byte> withoutData) = Wire.WriteAndFrame(new SASLInitialResponse("OAUTHBEARER", null).WriteTo);

        SASLInitialResponse first = SASLInitialResponse.Read(withData);
        SASLInitialResponse second = SASLInitialResponse.Read(withoutData);

        Assert.Equal("SCRAM-SHA-256", first.Mechanism);
        Assert.Equal(new byte[] { 1, 2, 3 }, first.Data);
        Assert.Equal("OAUTHBEARER", second.Mechanism);
        Assert.Null(second.Data);
    }

    [Fact]
    public void SASLResponse_and_GSSResponse_round_trip_their_data()
    {
        (byte saslCode, ReadOnlySequence<byte> sasl) = Wire.WriteAndFrame(new SASLResponse([9, 8, 7]).WriteTo);
        (byte gssCode, ReadOnlySequence<byte> gss) = Wire.WriteAndFrame(new GSSResponse([0x60, 0x00, 0xff]).WriteTo);

        Assert.Equal((byte)'p', saslCode);
        Assert.Equal((byte)'p', gssCode);
        Assert.Equal(new byte[] { 9, 8, 7 }, SASLResponse.Read(sasl).Data);
        Assert.Equal(new byte[] { 0x60, 0x00, 0xff }, GSSResponse.Read(gss).Data);
    }

    [Fact]
    public void Parse_round_trips_name_query_and_parameter_types()
    {
        (byte code, ReadOnlySequence<byte> body) = Wire.WriteAndFrame(new Parse("s1", "SELECT $1, $2", [23u, 0u, 4294967295u]).WriteTo);
        Parse read = Parse.Read(body);

        Assert.Equal((byte)'P', code);
        Assert.Equal("s1", read.StatementName);
        Assert.Equal("SELECT $1, $2", read.QueryString);
        Assert.Equal(new uint[] { 23, 0, 4294967295 }, read.ParameterTypes);
    }

    [Fact]
    public void Parse_with_65535_parameter_types_round_trips_because_the_count_is_unsigned()
    {
        uint[] types = Enumerable.Range(1, ushort.MaxValue).Select(i => (uint)i).ToArray();

        (_, ReadOnlySequence<byte> body) = Wire.WriteAndFrame(new Parse(string.Empty, "INSERT ...", types).WriteTo);
        Parse read = Parse.Read(body);

        // After the empty name's NUL and the query's 10 bytes and NUL comes the count: 65535 is ff ff.
        Assert.Equal(new byte[] { 0xff, 0xff }, body.Slice(12, 2).ToArray());
        Assert.Equal(types, read.ParameterTypes);
    }

    [Fact]
    public void Bind_with_null_parameter_round_trips()
    {
        var original = new Bind("p1", "s1", [FormatCode.Binary, FormatCode.Text], [[0, 0, 0, 42], null, []], [FormatCode.Binary, FormatCode.Text]);

        (byte code, ReadOnlySequence<byte> body) = Wire.WriteAndFrame(original.WriteTo);
        Bind read = Bind.Read(body);

        Assert.Equal((byte)'B', code);
        Assert.Equal("p1", read.PortalName);
        Assert.Equal("s1", read.StatementName);
        Assert.Equal(new[] { FormatCode.Binary, FormatCode.Text }, read.ParameterFormatCodes);
        Assert.Equal(3, read.ParameterValues.Count);
        Assert.Equal(new byte[] { 0, 0, 0, 42 }, read.ParameterValues[0]);
        Assert.Null(read.ParameterValues[1]);
        Assert.NotNull(read.ParameterValues[2]);
        Assert.Empty(read.ParameterValues[2]!);
        Assert.Equal(new[] { FormatCode.Binary, FormatCode.Text }, read.ResultFormatCodes);
    }

    [Fact]
    public void Bind_with_more_than_32767_parameters_round_trips()
    {
        byte[]?[] values = new byte[]?[40_000];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = i % 3 == 0 ? null : [(byte)i];
        }

        (_, ReadOnlySequence<byte> body) = Wire.WriteAndFrame(new Bind(string.Empty, string.Empty, [FormatCode.Binary], values, []).WriteTo);
        Bind read = Bind.Read(body);

        Assert.Equal(40_000, read.ParameterValues.Count);
        Assert.Null(read.ParameterValues[39_999]);
        Assert.Equal(new byte[] { unchecked((byte)39_998) }, read.ParameterValues[39_998]);
    }

    [Fact]
    public void Bind_applies_the_none_one_each_format_rule()
    {
        var none = new Bind(string.Empty, string.Empty, [], [null, null], []);
        var one = new Bind(string.Empty, string.Empty, [FormatCode.Binary], [null, null], []);
        var each = new Bind(string.Empty, string.Empty, [FormatCode.Binary, FormatCode.Text], [null, null], []);

        Assert.Equal(FormatCode.Text, none.GetParameterFormatCode(1));
        Assert.Equal(FormatCode.Binary, one.GetParameterFormatCode(1));
        Assert.Equal(FormatCode.Text, each.GetParameterFormatCode(1));
        Assert.Equal(FormatCode.Binary, each.GetParameterFormatCode(0));
    }

    [Fact]
    public void Bind_ToString_never_shows_parameter_values()
    {
        var bind = new Bind("p", "s", [], ["4111111111111111"u8.ToArray()], []);

        Assert.DoesNotContain("4111", bind.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Bind_with_more_than_65535_parameters_cannot_be_written()
    {
        var bind = new Bind(string.Empty, string.Empty, [], new byte[]?[65_536], []);

        Assert.Throws<ArgumentOutOfRangeException>(() => Wire.Write(bind.WriteTo));
    }

    [Theory]
    [InlineData(StatementOrPortal.Statement, "s1")]
    [InlineData(StatementOrPortal.Portal, "")]
    public void Describe_round_trips(StatementOrPortal kind, string name)
    {
        (byte code, ReadOnlySequence<byte> body) = Wire.WriteAndFrame(new Describe(kind, name).WriteTo);

        Assert.Equal((byte)'D', code);
        Assert.Equal(new Describe(kind, name), Describe.Read(body));
    }

    [Theory]
    [InlineData(StatementOrPortal.Statement, "s1")]
    [InlineData(StatementOrPortal.Portal, "p1")]
    public void Close_round_trips(StatementOrPortal kind, string name)
    {
        (byte code, ReadOnlySequence<byte> body) = Wire.WriteAndFrame(new Close(kind, name).WriteTo);

        Assert.Equal((byte)'C', code);
        Assert.Equal(new Close(kind, name), Close.Read(body));
    }

    [Fact]
    public void Execute_round_trips_portal_and_row_limit()
    {
        (byte code, ReadOnlySequence<byte> body) = Wire.WriteAndFrame(new Execute("p1", 250).WriteTo);

        Assert.Equal((byte)'E', code);
        Assert.Equal(new Execute("p1", 250), Execute.Read(body));
    }

    [Fact]
    public void Messages_without_a_body_have_their_type_byte_and_length_four()
    {
        Assert.Equal((byte)'S', AssertEmptyBody(Sync.Write, Sync.Read));
        Assert.Equal((byte)'H', AssertEmptyBody(Flush.Write, Flush.Read));
        Assert.Equal((byte)'X', AssertEmptyBody(Terminate.Write, Terminate.Read));
        Assert.Equal((byte)'c', AssertEmptyBody(CopyDone.Write, CopyDone.Read));
    }

    [Fact]
    public void FunctionCall_round_trips()
    {
        var original = new FunctionCall(1598u, [FormatCode.Binary, FormatCode.Text], [[1, 2], null], FormatCode.Binary);

        (byte code, ReadOnlySequence<byte> body) = Wire.WriteAndFrame(original.WriteTo);
        FunctionCall read = FunctionCall.Read(body);

        Assert.Equal((byte)'F', code);
        Assert.Equal(1598u, read.FunctionId);
        Assert.Equal(new[] { FormatCode.Binary, FormatCode.Text }, read.ArgumentFormatCodes);
        Assert.Equal(new byte[] { 1, 2 }, read.Arguments[0]);
        Assert.Null(read.Arguments[1]);
        Assert.Equal(FormatCode.Binary, read.ResultFormatCode);
    }

    [Fact]
    public void CopyData_round_trips_a_slice_of_a_larger_buffer()
    {
        byte[] pooled = [0xAA, 1, 2, 3, 0xBB];

        (byte code, ReadOnlySequence<byte> body) = Wire.WriteAndFrame(new CopyData(pooled.AsMemory(1, 3)).WriteTo);

        Assert.Equal((byte)'d', code);
        Assert.Equal(new byte[] { 1, 2, 3 }, CopyData.Read(body).Data.ToArray());
    }

    [Fact]
    public void CopyFail_round_trips()
    {
        (byte code, ReadOnlySequence<byte> body) = Wire.WriteAndFrame(new CopyFail("cancelled by user").WriteTo);

        Assert.Equal((byte)'f', code);
        Assert.Equal("cancelled by user", CopyFail.Read(body).Message);
    }

    [Fact]
    public void Writing_a_string_with_a_NUL_is_refused_rather_than_corrupting_the_message()
    {
        var query = new Query("SELECT 1\0injected");

        Assert.Throws<ArgumentException>(() => Wire.Write(query.WriteTo));
    }

    private static byte AssertEmptyBody(Action<IBufferWriter<byte>> write, Action<ReadOnlySequence<byte>> read)
    {
        byte[] wire = Wire.Write(write);
        Assert.Equal(new byte[] { 0, 0, 0, 4 }, wire[1..]);
        (byte code, ReadOnlySequence<byte> body) = Wire.Frame(wire);
        Assert.True(body.IsEmpty);
        read(body);
        return code;
    }
}
