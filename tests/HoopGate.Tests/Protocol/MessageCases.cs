using System.Buffers;
using System.Text;
using HoopGate.Protocol.Backend;
using HoopGate.Protocol.Errors;
using HoopGate.Protocol.Framing;
using HoopGate.Protocol.Frontend;

namespace HoopGate.Tests.Protocol;

/// <summary>
/// One or more samples of every message the codec knows, old and new, used by the framing fuzz and the
/// malformed-input tests. Strings include multi-byte UTF-8 so that splits fall inside characters too.
/// </summary>
internal static class MessageCases
{
    private static readonly Dictionary<string, MessageCase> Cases = Build();

    public static TheoryData<string> Names => new(Cases.Keys.Order(StringComparer.Ordinal));

    public static TheoryData<string> StrictNames =>
        new(Cases.Values.Where(c => c.StrictBody).Select(c => c.Name).Order(StringComparer.Ordinal));

    public static IEnumerable<MessageCase> All => Cases.Values;

    public static MessageCase Get(string name) => Cases[name];

    private static Dictionary<string, MessageCase> Build()
    {
        var cases = new List<MessageCase>();

        void Regular(string name, Action<IBufferWriter<byte>> write, Func<ReadOnlySequence<byte>, Action<IBufferWriter<byte>>> reread, bool strict = true) =>
            cases.Add(new MessageCase(name, Wire.Write(write), false, strict, body => Wire.Write(reread(body))));

        void Startup(string name, Action<IBufferWriter<byte>> write, Func<ReadOnlySequence<byte>, Action<IBufferWriter<byte>>> reread) =>
            cases.Add(new MessageCase(name, Wire.Write(write), true, true, packet => Wire.Write(reread(packet))));

        // Frontend, startup phase.
        Startup(
            "StartupMessage",
            new StartupMessage(StartupRequestCode.ProtocolVersion3, [new("user", "ærøskøbing"), new("database", "clinic"), new("application_name", "psql")]).WriteTo,
            p => Expect(StartupPacketKind.StartupMessage, p, StartupMessage.Read(p).WriteTo));
        Startup("SSLRequest", SSLRequest.Write, p => Expect(StartupPacketKind.SSLRequest, p, SSLRequest.Write));
        Startup("GSSENCRequest", GSSENCRequest.Write, p => Expect(StartupPacketKind.GSSENCRequest, p, GSSENCRequest.Write));
        Startup("CancelRequest", new CancelRequest(4242, -559038737).WriteTo, p => Expect(StartupPacketKind.CancelRequest, p, CancelRequest.Read(p).WriteTo));

        // Frontend, after startup.
        Regular("Query", new Query("SELECT 'naïve ☃'; SELECT 2").WriteTo, b => Query.Read(b).WriteTo);
        Regular("PasswordMessage", new PasswordMessage("s3cr€t").WriteTo, b => PasswordMessage.Read(b).WriteTo);
        Regular("SASLInitialResponse", new SASLInitialResponse("SCRAM-SHA-256", Encoding.ASCII.GetBytes("n,,n=,r=rOprNGfwEbeRWgbNEkqO")).WriteTo, b => SASLInitialResponse.Read(b).WriteTo);
        Regular("SASLInitialResponse without data", new SASLInitialResponse("OAUTHBEARER", null).WriteTo, b => SASLInitialResponse.Read(b).WriteTo);
        Regular("SASLResponse", new SASLResponse([0x63, 0x3d, 0x62, 0x69, 0x77, 0x73]).WriteTo, b => SASLResponse.Read(b).WriteTo, strict: false);
        Regular("GSSResponse", new GSSResponse([0x60, 0x82, 0x01, 0x00, 0x06]).WriteTo, b => GSSResponse.Read(b).WriteTo, strict: false);
        Regular("Parse", new Parse("stmt_ü", "SELECT $1::int4, $2", [23u, 0u, 4294967295u]).WriteTo, b => Parse.Read(b).WriteTo);
        Regular("Parse unnamed without types", new Parse(string.Empty, "SELECT 1", []).WriteTo, b => Parse.Read(b).WriteTo);
        Regular(
            "Bind",
            new Bind("portal", "stmt_ü", [FormatCode.Binary, FormatCode.Text, FormatCode.Text], [[0, 0, 0, 42], null, []], [FormatCode.Binary]).WriteTo,
            b => Bind.Read(b).WriteTo);
        Regular("Describe statement", new Describe(StatementOrPortal.Statement, "stmt_ü").WriteTo, b => Describe.Read(b).WriteTo);
        Regular("Describe portal", new Describe(StatementOrPortal.Portal, string.Empty).WriteTo, b => Describe.Read(b).WriteTo);
        Regular("Execute", new Execute("portal", 500).WriteTo, b => Execute.Read(b).WriteTo);
        Regular("Close statement", new Close(StatementOrPortal.Statement, "stmt_ü").WriteTo, b => Close.Read(b).WriteTo);
        Regular("Close portal", new Close(StatementOrPortal.Portal, "p").WriteTo, b => Close.Read(b).WriteTo);
        Regular("Sync", Sync.Write, b => Empty(b, Sync.Read, Sync.Write));
        Regular("Flush", Flush.Write, b => Empty(b, Flush.Read, Flush.Write));
        Regular("Terminate", Terminate.Write, b => Empty(b, Terminate.Read, Terminate.Write));
        Regular("CopyDone", CopyDone.Write, b => Empty(b, CopyDone.Read, CopyDone.Write));
        Regular("CopyData", new CopyData(Encoding.UTF8.GetBytes("1\tAlice\tß\n2\tBob\t\\N\n")).WriteTo, b => CopyData.Read(b).WriteTo, strict: false);
        Regular("CopyFail", new CopyFail("aborted by the user: ✂").WriteTo, b => CopyFail.Read(b).WriteTo);
        Regular(
            "FunctionCall",
            new FunctionCall(1598u, [FormatCode.Binary], [[0, 0, 0, 7], null], FormatCode.Binary).WriteTo,
            b => FunctionCall.Read(b).WriteTo);

        // Backend.
        Regular("AuthenticationOk", AuthenticationRequest.Ok.WriteTo, b => AuthenticationRequest.Read(b).WriteTo);
        Regular("AuthenticationCleartextPassword", AuthenticationRequest.CleartextPassword.WriteTo, b => AuthenticationRequest.Read(b).WriteTo);
        Regular("AuthenticationMD5Password", AuthenticationRequest.MD5Password([1, 2, 3, 4]).WriteTo, b => AuthenticationRequest.Read(b).WriteTo);
        Regular("AuthenticationSASL", AuthenticationRequest.Sasl(["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"]).WriteTo, b => AuthenticationRequest.Read(b).WriteTo);
        Regular("AuthenticationSASLContinue", AuthenticationRequest.SaslContinue(Encoding.ASCII.GetBytes("r=abc,s=c2FsdA==,i=4096")).WriteTo, b => AuthenticationRequest.Read(b).WriteTo, strict: false);
        Regular("AuthenticationSASLFinal", AuthenticationRequest.SaslFinal(Encoding.ASCII.GetBytes("v=c2lnbmF0dXJl")).WriteTo, b => AuthenticationRequest.Read(b).WriteTo, strict: false);
        Regular("BackendKeyData", new BackendKeyData(31337, int.MinValue).WriteTo, b => BackendKeyData.Read(b).WriteTo);
        Regular("ParameterStatus", new ParameterStatus("client_encoding", "UTF8").WriteTo, b => ParameterStatus.Read(b).WriteTo);
        Regular("ReadyForQuery idle", new ReadyForQuery(TransactionStatus.Idle).WriteTo, b => ReadyForQuery.Read(b).WriteTo);
        Regular("ReadyForQuery in failed transaction", new ReadyForQuery(TransactionStatus.InFailedTransactionBlock).WriteTo, b => ReadyForQuery.Read(b).WriteTo);
        Regular(
            "ErrorResponse",
            ErrorResponse.Create(ErrorResponse.Error, SqlState.InsufficientPrivilege, "permission denied for table patients", "policy “clinic” denies it", "ask for review").WriteTo,
            b => ErrorResponse.Read(b).WriteTo);
        Regular(
            "NoticeResponse",
            o => NoticeResponse.Write(o, new ErrorResponse([new(ErrorFieldCode.Severity, "NOTICE"), new(ErrorFieldCode.SqlState, "00000"), new(ErrorFieldCode.Message, "relation exists, skipping")])),
            b => o => NoticeResponse.Write(o, NoticeResponse.Read(b)));
        Regular("ParseComplete", ParseComplete.Write, b => Empty(b, ParseComplete.Read, ParseComplete.Write));
        Regular("BindComplete", BindComplete.Write, b => Empty(b, BindComplete.Read, BindComplete.Write));
        Regular("CloseComplete", CloseComplete.Write, b => Empty(b, CloseComplete.Read, CloseComplete.Write));
        Regular("NoData", NoData.Write, b => Empty(b, NoData.Read, NoData.Write));
        Regular("EmptyQueryResponse", EmptyQueryResponse.Write, b => Empty(b, EmptyQueryResponse.Read, EmptyQueryResponse.Write));
        Regular("PortalSuspended", PortalSuspended.Write, b => Empty(b, PortalSuspended.Read, PortalSuspended.Write));
        Regular("CommandComplete", new CommandComplete("INSERT 0 17").WriteTo, b => CommandComplete.Read(b).WriteTo);
        Regular("CopyInResponse", new CopyInResponse(FormatCode.Text, [FormatCode.Text, FormatCode.Text]).WriteTo, b => CopyInResponse.Read(b).WriteTo);
        Regular("CopyOutResponse", new CopyOutResponse(FormatCode.Binary, [FormatCode.Binary, FormatCode.Binary, FormatCode.Binary]).WriteTo, b => CopyOutResponse.Read(b).WriteTo);
        Regular("CopyBothResponse", new CopyBothResponse(FormatCode.Binary, []).WriteTo, b => CopyBothResponse.Read(b).WriteTo);
        Regular("DataRow", new DataRow([Encoding.UTF8.GetBytes("Zoë"), null, [], [0, 0, 0, 1]]).WriteTo, b => DataRow.Read(b).WriteTo);
        Regular("DataRow without columns", new DataRow([]).WriteTo, b => DataRow.Read(b).WriteTo);
        Regular("FunctionCallResponse", new FunctionCallResponse([1, 2, 3]).WriteTo, b => FunctionCallResponse.Read(b).WriteTo);
        Regular("FunctionCallResponse null", new FunctionCallResponse(null).WriteTo, b => FunctionCallResponse.Read(b).WriteTo);
        Regular("NegotiateProtocolVersion", new NegotiateProtocolVersion(0, ["_pq_.compression", "_pq_.ünknown"]).WriteTo, b => NegotiateProtocolVersion.Read(b).WriteTo);
        Regular("NotificationResponse", new NotificationResponse(777, "approvals", "{\"id\":\"r-1\",\"état\":\"ok\"}").WriteTo, b => NotificationResponse.Read(b).WriteTo);
        Regular("ParameterDescription", new ParameterDescription([23u, 25u, 3802u]).WriteTo, b => ParameterDescription.Read(b).WriteTo);
        Regular(
            "RowDescription",
            new RowDescription(
            [
                new FieldDescription("id", 16384u, 1, 23u, 4, -1, FormatCode.Binary),
                new FieldDescription("prénom", 16384u, 2, 1043u, -1, 68, FormatCode.Text),
                new FieldDescription("?column?", 0u, 0, 25u, -1, -1, FormatCode.Text),
            ]).WriteTo,
            b => RowDescription.Read(b).WriteTo);

        return cases.ToDictionary(c => c.Name, StringComparer.Ordinal);
    }

    private static Action<IBufferWriter<byte>> Expect(StartupPacketKind kind, ReadOnlySequence<byte> packet, Action<IBufferWriter<byte>> write)
    {
        Assert.Equal(kind, StartupPacket.GetKind(packet));
        return write;
    }

    private static Action<IBufferWriter<byte>> Empty(ReadOnlySequence<byte> body, Action<ReadOnlySequence<byte>> read, Action<IBufferWriter<byte>> write)
    {
        read(body);
        return write;
    }
}
