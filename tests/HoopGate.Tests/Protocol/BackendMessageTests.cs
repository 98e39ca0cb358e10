using System.Buffers;
using System.Text;
using HoopGate.Protocol.Backend;
using HoopGate.Protocol.Errors;
using HoopGate.Protocol.Framing;

namespace HoopGate.Tests.Protocol;

/// <summary>Each backend message written, framed with PgFraming and read back, field by field.</summary>
public sealed class BackendMessageTests
{
    [Fact]
    public void AuthenticationRequest_variants_round_trip()
    {
        AuthenticationRequest ok = ReadAuthentication(AuthenticationRequest.Ok);
        AuthenticationRequest cleartext = ReadAuthentication(AuthenticationRequest.CleartextPassword);
        AuthenticationRequest md5 = ReadAuthentication(AuthenticationRequest.MD5Password([0xde, 0xad, 0xbe, 0xef]));
        AuthenticationRequest sasl = ReadAuthentication(AuthenticationRequest.Sasl(["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"]));
        AuthenticationRequest saslContinue = ReadAuthentication(AuthenticationRequest.SaslContinue([1, 2, 3]));
        AuthenticationRequest saslFinal = ReadAuthentication(AuthenticationRequest.SaslFinal([4, 5]));

        Assert.Equal(AuthenticationRequestType.Ok, ok.Type);
        Assert.Equal(AuthenticationRequestType.CleartextPassword, cleartext.Type);
        Assert.Equal(AuthenticationRequestType.MD5Password, md5.Type);
        Assert.Equal(new byte[] { 0xde, 0xad, 0xbe, 0xef }, md5.Data);
        Assert.Equal(AuthenticationRequestType.SASL, sasl.Type);
        Assert.Equal(new[] { "SCRAM-SHA-256-PLUS", "SCRAM-SHA-256" }, sasl.Mechanisms);
        Assert.Equal(AuthenticationRequestType.SASLContinue, saslContinue.Type);
        Assert.Equal(new byte[] { 1, 2, 3 }, saslContinue.Data);
        Assert.Equal(AuthenticationRequestType.SASLFinal, saslFinal.Type);
        Assert.Equal(new byte[] { 4, 5 }, saslFinal.Data);
    }

    [Fact]
    public void BackendKeyData_round_trips()
    {
        (byte code, ReadOnlySequence<byte> body) = Wire.WriteAndFrame(new BackendKeyData(4711, -12345).WriteTo);

        Assert.Equal((byte)'K', code);
        Assert.Equal(new BackendKeyData(4711, -12345), BackendKeyData.Read(body));
    }

    [Fact]
    public void ParameterStatus_round_trips()
    {
        (byte code, ReadOnlySequence<byte> body) = Wire.WriteAndFrame(new ParameterStatus("TimeZone", "Europe/Zürich").WriteTo);

        Assert.Equal((byte)'S', code);
        Assert.Equal(new ParameterStatus("TimeZone", "Europe/Zürich"), ParameterStatus.Read(body));
    }

    [Theory]
    [InlineData(TransactionStatus.Idle)]
    [InlineData(TransactionStatus.InTransactionBlock)]
    [InlineData(TransactionStatus.InFailedTransactionBlock)]
    public void ReadyForQuery_round_trips_each_transaction_status(TransactionStatus status)
    {
        (byte code, ReadOnlySequence<byte> body) = Wire.WriteAndFrame(new ReadyForQuery(status).WriteTo);

        Assert.Equal((byte)'Z', code);
        Assert.Equal(status, ReadyForQuery.Read(body).TransactionStatus);
    }

    [Fact]
    public void ErrorResponse_round_trips_its_fields()
    {
        var original = ErrorResponse.Create(ErrorResponse.Fatal, SqlState.InvalidPassword, "token expired", "expired at 10:00", "log in again");

        (byte code, ReadOnlySequence<byte> body) = Wire.WriteAndFrame(original.WriteTo);
        ErrorResponse read = ErrorResponse.Read(body);

        Assert.Equal((byte)'E', code);
        Assert.Equal(original.Fields, read.Fields);
        Assert.Equal("FATAL", read.Severity);
        Assert.Equal("28P01", read.SqlState);
        Assert.Equal("token expired", read.Message);
        Assert.Equal("expired at 10:00", read.Detail);
        Assert.Equal("log in again", read.Hint);
    }

    [Fact]
    public void NoticeResponse_round_trips_as_an_ErrorResponse_body_with_code_N()
    {
        ErrorResponse notice = new([new(ErrorFieldCode.Severity, "WARNING"), new(ErrorFieldCode.SqlState, "01000"), new(ErrorFieldCode.Message, "careful")]);

        (byte code, ReadOnlySequence<byte> body) = Wire.WriteAndFrame(o => NoticeResponse.Write(o, notice));
        ErrorResponse read = NoticeResponse.Read(body);

        Assert.Equal((byte)'N', code);
        Assert.Equal(notice.Fields, read.Fields);
    }

    [Fact]
    public void Messages_without_a_body_have_their_type_byte_and_length_four()
    {
        Assert.Equal((byte)'1', AssertEmptyBody(ParseComplete.Write, ParseComplete.Read));
        Assert.Equal((byte)'2', AssertEmptyBody(BindComplete.Write, BindComplete.Read));
        Assert.Equal((byte)'3', AssertEmptyBody(CloseComplete.Write, CloseComplete.Read));
        Assert.Equal((byte)'n', AssertEmptyBody(NoData.Write, NoData.Read));
        Assert.Equal((byte)'I', AssertEmptyBody(EmptyQueryResponse.Write, EmptyQueryResponse.Read));
        Assert.Equal((byte)'s', AssertEmptyBody(PortalSuspended.Write, PortalSuspended.Read));
    }

    [Fact]
    public void CommandComplete_round_trips_its_tag()
    {
        (byte code, ReadOnlySequence<byte> body) = Wire.WriteAndFrame(new CommandComplete("UPDATE 3").WriteTo);

        Assert.Equal((byte)'C', code);
        Assert.Equal("UPDATE 3", CommandComplete.Read(body).CommandTag);
    }

    [Fact]
    public void CopyInResponse_round_trips()
    {
        (byte code, ReadOnlySequence<byte> body) = Wire.WriteAndFrame(new CopyInResponse(FormatCode.Text, [FormatCode.Text, FormatCode.Text]).WriteTo);
        CopyInResponse read = CopyInResponse.Read(body);

        Assert.Equal((byte)'G', code);
        Assert.Equal(FormatCode.Text, read.OverallFormat);
        Assert.Equal(new[] { FormatCode.Text, FormatCode.Text }, read.ColumnFormatCodes);
    }

    [Fact]
    public void CopyOutResponse_round_trips()
    {
        (byte code, ReadOnlySequence<byte> body) = Wire.WriteAndFrame(new CopyOutResponse(FormatCode.Binary, [FormatCode.Binary]).WriteTo);
        CopyOutResponse read = CopyOutResponse.Read(body);

        Assert.Equal((byte)'H', code);
        Assert.Equal(FormatCode.Binary, read.OverallFormat);
        Assert.Equal(new[] { FormatCode.Binary }, read.ColumnFormatCodes);
    }

    [Fact]
    public void CopyBothResponse_round_trips()
    {
        (byte code, ReadOnlySequence<byte> body) = Wire.WriteAndFrame(new CopyBothResponse(FormatCode.Binary, []).WriteTo);
        CopyBothResponse read = CopyBothResponse.Read(body);

        Assert.Equal((byte)'W', code);
        Assert.Equal(FormatCode.Binary, read.OverallFormat);
        Assert.Empty(read.ColumnFormatCodes);
    }

    [Fact]
    public void DataRow_with_null_and_empty_columns_round_trips()
    {
        var original = new DataRow([Encoding.UTF8.GetBytes("Zoë"), null, [], [0, 0, 0, 7]]);

        (byte code, ReadOnlySequence<byte> body) = Wire.WriteAndFrame(original.WriteTo);
        DataRow read = DataRow.Read(body);

        Assert.Equal((byte)'D', code);
        Assert.Equal(4, read.Columns.Count);
        Assert.Equal("Zoë", Encoding.UTF8.GetString(read.Columns[0]!));
        Assert.Null(read.Columns[1]);
        Assert.NotNull(read.Columns[2]);
        Assert.Empty(read.Columns[2]!);
        Assert.Equal(new byte[] { 0, 0, 0, 7 }, read.Columns[3]);
    }

    [Fact]
    public void DataRow_columns_can_be_walked_as_slices_without_copying()
    {
        byte[] wire = Wire.Write(new DataRow([[1, 2], null, [3]]).WriteTo);
        (_, ReadOnlySequence<byte> body) = Wire.Frame(wire);

        var reader = new MessageReader(body, "DataRow");
        int count = reader.ReadCount16();
        ReadOnlySequence<byte> first = reader.ReadNullableValueSlice(out bool firstIsNull);
        _ = reader.ReadNullableValueSlice(out bool secondIsNull);
        ReadOnlySequence<byte> third = reader.ReadNullableValueSlice(out bool thirdIsNull);
        reader.ExpectEnd();

        Assert.Equal(3, count);
        Assert.False(firstIsNull);
        Assert.Equal(new byte[] { 1, 2 }, first.ToArray());
        Assert.True(secondIsNull);
        Assert.False(thirdIsNull);
        Assert.Equal(new byte[] { 3 }, third.ToArray());
    }

    [Fact]
    public void FunctionCallResponse_round_trips_a_value_and_a_null()
    {
        (byte code, ReadOnlySequence<byte> value) = Wire.WriteAndFrame(new FunctionCallResponse([5, 6]).WriteTo);
        (_, ReadOnlySequence<byte> nullBody) = Wire.WriteAndFrame(new FunctionCallResponse(null).WriteTo);

        Assert.Equal((byte)'V', code);
        Assert.Equal(new byte[] { 5, 6 }, FunctionCallResponse.Read(value).Result);
        Assert.Null(FunctionCallResponse.Read(nullBody).Result);
    }

    [Fact]
    public void NegotiateProtocolVersion_round_trips()
    {
        (byte code, ReadOnlySequence<byte> body) = Wire.WriteAndFrame(new NegotiateProtocolVersion(0, ["_pq_.a", "_pq_.b"]).WriteTo);
        NegotiateProtocolVersion read = NegotiateProtocolVersion.Read(body);

        Assert.Equal((byte)'v', code);
        Assert.Equal(0, read.NewestMinorVersion);
        Assert.Equal(new[] { "_pq_.a", "_pq_.b" }, read.UnrecognizedOptions);
    }

    [Fact]
    public void NotificationResponse_round_trips()
    {
        var original = new NotificationResponse(999, "approvals", "request 42 approved");

        (byte code, ReadOnlySequence<byte> body) = Wire.WriteAndFrame(original.WriteTo);

        Assert.Equal((byte)'A', code);
        Assert.Equal(original, NotificationResponse.Read(body));
    }

    [Fact]
    public void ParameterDescription_round_trips()
    {
        (byte code, ReadOnlySequence<byte> body) = Wire.WriteAndFrame(new ParameterDescription([23u, 25u, 4294967295u]).WriteTo);

        Assert.Equal((byte)'t', code);
        Assert.Equal(new uint[] { 23, 25, 4294967295 }, ParameterDescription.Read(body).ParameterTypes);
    }

    [Fact]
    public void RowDescription_round_trips_every_field_attribute()
    {
        FieldDescription[] fields =
        [
            new("id", 16384u, 1, 23u, 4, -1, FormatCode.Binary),
            new("name", 16384u, 2, 1043u, -1, 104, FormatCode.Text),
            new("?column?", 0u, 0, 25u, -1, -1, FormatCode.Text),
        ];

        (byte code, ReadOnlySequence<byte> body) = Wire.WriteAndFrame(new RowDescription(fields).WriteTo);

        Assert.Equal((byte)'T', code);
        Assert.Equal(fields, RowDescription.Read(body).Fields);
    }

    private static AuthenticationRequest ReadAuthentication(AuthenticationRequest request)
    {
        (byte code, ReadOnlySequence<byte> body) = Wire.WriteAndFrame(request.WriteTo);
        Assert.Equal((byte)'R', code);
        return AuthenticationRequest.Read(body);
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
