using System.Buffers;
using HoopGate.Protocol.Backend;
using HoopGate.Protocol.Errors;
using HoopGate.Protocol.Framing;
using HoopGate.Protocol.Frontend;

namespace HoopGate.Tests.Protocol;

/// <summary>
/// Exact wire bytes worked out from https://www.postgresql.org/docs/current/protocol-message-formats.html,
/// checked in both directions: the writer produces them and the reader gets the fields back from them.
/// </summary>
public sealed class KnownBytesTests
{
    [Fact]
    public void SSLRequest_is_length_8_then_1234_5679()
    {
        Assert.Equal(Wire.Hex("00 00 00 08 04 d2 16 2f"), Wire.Write(SSLRequest.Write));
        Assert.Equal(StartupPacketKind.SSLRequest, StartupPacket.GetKind(StartupPacketOf("00 00 00 08 04 d2 16 2f")));
    }

    [Fact]
    public void GSSENCRequest_is_length_8_then_1234_5680()
    {
        Assert.Equal(Wire.Hex("00 00 00 08 04 d2 16 30"), Wire.Write(GSSENCRequest.Write));
        Assert.Equal(StartupPacketKind.GSSENCRequest, StartupPacket.GetKind(StartupPacketOf("00 00 00 08 04 d2 16 30")));
    }

    [Fact]
    public void CancelRequest_is_length_16_then_1234_5678_pid_and_key()
    {
        const string hex = "00 00 00 10 04 d2 16 2e 00 00 04 d2 00 00 16 2e";

        Assert.Equal(Wire.Hex(hex), Wire.Write(new CancelRequest(1234, 5678).WriteTo));
        Assert.Equal(new CancelRequest(1234, 5678), CancelRequest.Read(StartupPacketOf(hex)));
    }

    [Fact]
    public void StartupMessage_for_user_postgres_has_version_3_0_and_a_final_terminator()
    {
        const string hex = "00 00 00 17 00 03 00 00 75 73 65 72 00 70 6f 73 74 67 72 65 73 00 00";

        Assert.Equal(Wire.Hex(hex), Wire.Write(new StartupMessage(StartupRequestCode.ProtocolVersion3, [new("user", "postgres")]).WriteTo));
        StartupMessage read = StartupMessage.Read(StartupPacketOf(hex));
        Assert.Equal(0x00030000, read.ProtocolVersion);
        Assert.Equal("postgres", read["user"]);
    }

    [Fact]
    public void ReadyForQuery_idle_is_Z_length_5_I()
    {
        Assert.Equal(Wire.Hex("5a 00 00 00 05 49"), Wire.Write(new ReadyForQuery(TransactionStatus.Idle).WriteTo));
        Assert.Equal(TransactionStatus.Idle, ReadyForQuery.Read(BodyOf("5a 00 00 00 05 49", 'Z')).TransactionStatus);
    }

    [Fact]
    public void Query_SELECT_1_is_Q_length_13_and_a_terminated_string()
    {
        const string hex = "51 00 00 00 0d 53 45 4c 45 43 54 20 31 00";

        Assert.Equal(Wire.Hex(hex), Wire.Write(new Query("SELECT 1").WriteTo));
        Assert.Equal("SELECT 1", Query.Read(BodyOf(hex, 'Q')).QueryString);
    }

    [Fact]
    public void AuthenticationOk_and_MD5Password_have_their_request_codes()
    {
        Assert.Equal(Wire.Hex("52 00 00 00 08 00 00 00 00"), Wire.Write(AuthenticationRequest.Ok.WriteTo));
        Assert.Equal(Wire.Hex("52 00 00 00 0c 00 00 00 05 01 02 03 04"), Wire.Write(AuthenticationRequest.MD5Password([1, 2, 3, 4]).WriteTo));
        Assert.Equal(AuthenticationRequestType.MD5Password, AuthenticationRequest.Read(BodyOf("52 00 00 00 0c 00 00 00 05 01 02 03 04", 'R')).Type);
    }

    [Theory]
    [InlineData("Sync", "53 00 00 00 04")]
    [InlineData("Flush", "48 00 00 00 04")]
    [InlineData("Terminate", "58 00 00 00 04")]
    [InlineData("CopyDone", "63 00 00 00 04")]
    [InlineData("ParseComplete", "31 00 00 00 04")]
    [InlineData("BindComplete", "32 00 00 00 04")]
    [InlineData("CloseComplete", "33 00 00 00 04")]
    [InlineData("NoData", "6e 00 00 00 04")]
    [InlineData("EmptyQueryResponse", "49 00 00 00 04")]
    [InlineData("PortalSuspended", "73 00 00 00 04")]
    public void Message_without_a_body_is_its_type_byte_and_length_4(string name, string hex)
    {
        Assert.Equal(Wire.Hex(hex), MessageCases.Get(name).Wire);
    }

    [Fact]
    public void Parse_of_an_unnamed_statement_with_one_int4_parameter()
    {
        const string hex = "50 00 00 00 15 00 53 45 4c 45 43 54 20 24 31 00 00 01 00 00 00 17";

        Assert.Equal(Wire.Hex(hex), Wire.Write(new Parse(string.Empty, "SELECT $1", [23u]).WriteTo));
        Parse read = Parse.Read(BodyOf(hex, 'P'));
        Assert.Equal(string.Empty, read.StatementName);
        Assert.Equal("SELECT $1", read.QueryString);
        Assert.Equal(new uint[] { 23 }, read.ParameterTypes);
    }

    [Fact]
    public void Bind_with_one_null_parameter_writes_length_minus_one()
    {
        const string hex = "42 00 00 00 10 00 00 00 00 00 01 ff ff ff ff 00 00";

        Assert.Equal(Wire.Hex(hex), Wire.Write(new Bind(string.Empty, string.Empty, [], [null], []).WriteTo));
        Bind read = Bind.Read(BodyOf(hex, 'B'));
        Assert.Single(read.ParameterValues);
        Assert.Null(read.ParameterValues[0]);
    }

    [Fact]
    public void Describe_Execute_and_Close_of_unnamed_and_named_objects()
    {
        Assert.Equal(Wire.Hex("44 00 00 00 06 50 00"), Wire.Write(new Describe(StatementOrPortal.Portal, string.Empty).WriteTo));
        Assert.Equal(Wire.Hex("45 00 00 00 09 00 00 00 00 00"), Wire.Write(new Execute(string.Empty, 0).WriteTo));
        Assert.Equal(Wire.Hex("43 00 00 00 07 53 73 00"), Wire.Write(new Close(StatementOrPortal.Statement, "s").WriteTo));
        Assert.Equal(new Close(StatementOrPortal.Statement, "s"), Close.Read(BodyOf("43 00 00 00 07 53 73 00", 'C')));
    }

    [Fact]
    public void FunctionCall_CopyData_and_CopyFail_bytes()
    {
        Assert.Equal(Wire.Hex("46 00 00 00 0e 00 00 06 3e 00 00 00 00 00 00"), Wire.Write(new FunctionCall(1598u, [], [], FormatCode.Text).WriteTo));
        Assert.Equal(Wire.Hex("64 00 00 00 06 01 02"), Wire.Write(new CopyData(new byte[] { 1, 2 }).WriteTo));
        Assert.Equal(Wire.Hex("66 00 00 00 06 78 00"), Wire.Write(new CopyFail("x").WriteTo));
    }

    [Fact]
    public void CommandComplete_SELECT_1()
    {
        const string hex = "43 00 00 00 0d 53 45 4c 45 43 54 20 31 00";

        Assert.Equal(Wire.Hex(hex), Wire.Write(new CommandComplete("SELECT 1").WriteTo));
        Assert.Equal("SELECT 1", CommandComplete.Read(BodyOf(hex, 'C')).CommandTag);
    }

    [Fact]
    public void DataRow_with_text_1_and_a_null()
    {
        const string hex = "44 00 00 00 0f 00 02 00 00 00 01 31 ff ff ff ff";

        Assert.Equal(Wire.Hex(hex), Wire.Write(new DataRow([[(byte)'1'], null]).WriteTo));
        DataRow read = DataRow.Read(BodyOf(hex, 'D'));
        Assert.Equal(new byte[] { (byte)'1' }, read.Columns[0]);
        Assert.Null(read.Columns[1]);
    }

    [Fact]
    public void RowDescription_of_SELECT_1_AS_a_as_the_server_sends_it()
    {
        // int4 (OID 23), size 4, no type modifier, text format, not from a table.
        const string hex = "54 00 00 00 1a 00 01 61 00 00 00 00 00 00 00 00 00 00 17 00 04 ff ff ff ff 00 00";
        var field = new FieldDescription("a", 0u, 0, 23u, 4, -1, FormatCode.Text);

        Assert.Equal(Wire.Hex(hex), Wire.Write(new RowDescription([field]).WriteTo));
        Assert.Equal(new[] { field }, RowDescription.Read(BodyOf(hex, 'T')).Fields);
    }

    [Fact]
    public void ErrorResponse_fields_are_code_string_pairs_then_a_NUL()
    {
        const string hex = "45 00 00 00 22 53 45 52 52 4f 52 00 56 45 52 52 4f 52 00 43 34 32 35 30 31 00 4d 64 65 6e 69 65 64 00 00";

        Assert.Equal(Wire.Hex(hex), Wire.Write(ErrorResponse.Create(ErrorResponse.Error, SqlState.InsufficientPrivilege, "denied").WriteTo));
        ErrorResponse read = ErrorResponse.Read(BodyOf(hex, 'E'));
        Assert.Equal("42501", read.SqlState);
        Assert.Equal("denied", read.Message);
    }

    [Fact]
    public void Backend_messages_with_counts_and_oids()
    {
        Assert.Equal(Wire.Hex("76 00 00 00 13 00 00 00 00 00 00 00 01 5f 70 71 5f 2e 78 00"), Wire.Write(new NegotiateProtocolVersion(0, ["_pq_.x"]).WriteTo));
        Assert.Equal(Wire.Hex("48 00 00 00 0b 00 00 02 00 00 00 00"), Wire.Write(new CopyOutResponse(FormatCode.Text, [FormatCode.Text, FormatCode.Text]).WriteTo));
        Assert.Equal(Wire.Hex("41 00 00 00 0c 00 00 00 07 63 00 70 00"), Wire.Write(new NotificationResponse(7, "c", "p").WriteTo));
        Assert.Equal(Wire.Hex("74 00 00 00 0a 00 01 00 00 00 17"), Wire.Write(new ParameterDescription([23u]).WriteTo));
        Assert.Equal(Wire.Hex("56 00 00 00 08 ff ff ff ff"), Wire.Write(new FunctionCallResponse(null).WriteTo));
    }

    private static ReadOnlySequence<byte> StartupPacketOf(string hex)
    {
        var buffer = new ReadOnlySequence<byte>(Wire.Hex(hex));
        Assert.True(PgFraming.TryReadStartupPacket(ref buffer, 10_000, out ReadOnlySequence<byte> packet));
        Assert.True(buffer.IsEmpty);
        return packet;
    }

    private static ReadOnlySequence<byte> BodyOf(string hex, char code)
    {
        (byte actual, ReadOnlySequence<byte> body) = Wire.Frame(Wire.Hex(hex));
        Assert.Equal((byte)code, actual);
        return body;
    }
}
