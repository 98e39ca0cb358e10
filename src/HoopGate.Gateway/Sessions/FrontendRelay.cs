using System.Buffers;
using HoopGate.Gateway.Interception;
using HoopGate.Policy;
using HoopGate.Protocol.Backend;
using HoopGate.Protocol.Errors;
using HoopGate.Protocol.Framing;
using HoopGate.Protocol.Frontend;
using HoopGate.Sql;

namespace HoopGate.Gateway.Sessions;

/// <summary>
/// Client to server. Requests are recorded in the <see cref="SessionModel"/> before they are forwarded, so the server's
/// answer always finds its request. Bind and CopyData carry data and stream; the rest are inspected whole. Anything
/// else — 'p' after startup included — is a protocol violation, as it is for PostgreSQL.
/// <para>
/// Policy: the SQL of every Query and Parse is judged first. A refused one is not dropped but replaced by a statement
/// that cannot parse (<see cref="RefusedSql"/>), and the server's syntax error is swapped for the gateway's on the way
/// back (<see cref="BackendRelay"/>). So the server itself does what it does after any error — aborts the transaction
/// block, discards the extended-protocol batch up to Sync, answers ReadyForQuery with the true status — and answers
/// stay in request order without the gateway imitating any of it. FunctionCall names a function by OID, which policy
/// cannot judge, and is always refused the same way.
/// </para>
/// </summary>
internal sealed class FrontendRelay : MessageRelay
{
    /// <summary>What the server is sent in place of a refused statement: a syntax error, and a line in its log.</summary>
    internal const string RefusedSql = "-- refused by HoopGate policy\nHOOPGATE_REFUSED";

    private static readonly byte[] s_refusedSql = System.Text.Encoding.UTF8.GetBytes(RefusedSql);

    private static readonly ErrorResponse s_functionCallRefused = ErrorResponse.Create(
        ErrorResponse.Error,
        SqlState.InsufficientPrivilege,
        "permission denied by policy rule \"function-call\": the FunctionCall message calls a function the gateway cannot see; use SELECT");

    private readonly SessionModel _model;
    private readonly StatementGate _gate;

    public FrontendRelay(SessionModel model, StatementGate gate, int maxInspectedLength, int maxStreamedLength)
        : base(maxInspectedLength, maxStreamedLength)
    {
        _model = model;
        _gate = gate;
    }

    /// <summary>Raised for every refused statement (rule, analysis) — for logging until the audit trail records it.</summary>
    public Action<PolicyDecision, SqlAnalysis>? Refused { get; set; }

    protected override MessageDisposition Classify(byte code) => (FrontendMessageCode)code switch
    {
        FrontendMessageCode.Query or FrontendMessageCode.Parse or FrontendMessageCode.Describe or FrontendMessageCode.Execute
            or FrontendMessageCode.Close or FrontendMessageCode.Sync or FrontendMessageCode.Flush or FrontendMessageCode.Terminate
            or FrontendMessageCode.CopyDone or FrontendMessageCode.CopyFail or FrontendMessageCode.FunctionCall => MessageDisposition.Inspect,
        FrontendMessageCode.Bind or FrontendMessageCode.CopyData => MessageDisposition.Stream,
        _ => MessageDisposition.Reject,
    };

    protected override RelayAction OnMessage(byte code, in ReadOnlySequence<byte> message, IBufferWriter<byte> output)
    {
        switch ((FrontendMessageCode)code)
        {
            case FrontendMessageCode.Query:
            case FrontendMessageCode.Parse:
                return OnStatement((FrontendMessageCode)code, message, output);
            case FrontendMessageCode.FunctionCall:
                WriteRefusedQuery(output);
                _model.OnFrontendMessage(FrontendMessageCode.FunctionCall, s_functionCallRefused);
                return RelayAction.Replaced;
            case FrontendMessageCode.Terminate:
                _model.OnFrontendMessage(FrontendMessageCode.Terminate);
                return RelayAction.ForwardAndStop;
            default:
                _model.OnFrontendMessage((FrontendMessageCode)code);
                return RelayAction.Forward;
        }
    }

    protected override void OnStreamedMessage(byte code, int length, in ReadOnlySequence<byte> available) =>
        _model.OnFrontendMessage((FrontendMessageCode)code);

    private RelayAction OnStatement(FrontendMessageCode code, in ReadOnlySequence<byte> message, IBufferWriter<byte> output)
    {
        byte[]? rented = null;
        try
        {
            ReadOnlySpan<byte> body = message.IsSingleSegment ? message.FirstSpan : Contiguous(message, out rented);
            body = body[PgFraming.HeaderLength..];

            // Query: String query. Parse: String name, String query, Int16 n, Int32 oid[n].
            scoped ReadOnlySpan<byte> name = default;
            if (code == FrontendMessageCode.Parse)
            {
                name = CString(body, out body);
            }

            ReadOnlySpan<byte> sql = CString(body, out ReadOnlySpan<byte> rest);
            if (code == FrontendMessageCode.Query && !rest.IsEmpty)
            {
                ThrowHelper.ThrowProtocolViolation("invalid Query message: data after the query string");
            }

            PolicyDecision decision = _gate.Judge(sql, out SqlAnalysis analysis);
            if (decision.IsAllowed)
            {
                _model.OnFrontendMessage(code);
                return RelayAction.Forward;
            }

            Refused?.Invoke(decision, analysis);
            if (code == FrontendMessageCode.Query)
            {
                WriteRefusedQuery(output);
            }
            else
            {
                WriteRefusedParse(output, name);
            }

            _model.OnFrontendMessage(code, StatementGate.ToError(decision));
            return RelayAction.Replaced;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static ReadOnlySpan<byte> Contiguous(in ReadOnlySequence<byte> message, out byte[] rented)
    {
        rented = ArrayPool<byte>.Shared.Rent((int)message.Length);
        message.CopyTo(rented);
        return rented.AsSpan(0, (int)message.Length);
    }

    private static ReadOnlySpan<byte> CString(ReadOnlySpan<byte> data, out ReadOnlySpan<byte> rest)
    {
        int end = data.IndexOf((byte)0);
        if (end < 0)
        {
            ThrowHelper.ThrowProtocolViolation("invalid message format: unterminated string");
        }

        rest = data[(end + 1)..];
        return data[..end];
    }

    private static void WriteRefusedQuery(IBufferWriter<byte> output)
    {
        var writer = MessageWriter.Begin(output, (byte)FrontendMessageCode.Query, s_refusedSql.Length + 1);
        writer.WriteBytes(s_refusedSql);
        writer.WriteByte(0);
        writer.Commit();
    }

    private static void WriteRefusedParse(IBufferWriter<byte> output, ReadOnlySpan<byte> statementName)
    {
        // The same statement name, so that the server forgets or keeps it exactly as after any failed Parse.
        var writer = MessageWriter.Begin(output, (byte)FrontendMessageCode.Parse, statementName.Length + 1 + s_refusedSql.Length + 1 + 2);
        writer.WriteBytes(statementName);
        writer.WriteByte(0);
        writer.WriteBytes(s_refusedSql);
        writer.WriteByte(0);
        writer.WriteInt16(0);
        writer.Commit();
    }
}
