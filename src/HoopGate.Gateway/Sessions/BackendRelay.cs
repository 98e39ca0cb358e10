using System.Buffers;
using HoopGate.Gateway.Interception;
using HoopGate.Protocol.Backend;
using HoopGate.Protocol.Errors;
using HoopGate.Protocol.Framing;

namespace HoopGate.Gateway.Sessions;

/// <summary>
/// Server to client. Every answer updates the <see cref="SessionModel"/> before it is forwarded. DataRow,
/// CopyData and FunctionCallResponse carry data and stream; the rest are inspected whole. Authentication and
/// BackendKeyData after startup, or unknown types, mean the server is not speaking the protocol we relay:
/// the session ends rather than pass them on.
/// </summary>
internal sealed class BackendRelay : MessageRelay
{
    private readonly SessionModel _model;
    private volatile bool _stopWhenIdle;

    public BackendRelay(SessionModel model, int maxInspectedLength, int maxStreamedLength)
        : base(maxInspectedLength, maxStreamedLength)
    {
        _model = model;
    }

    /// <summary>Set on shutdown: relaying stops after the next ReadyForQuery that leaves the session idle.</summary>
    public bool StopWhenIdle
    {
        get => _stopWhenIdle;
        set => _stopWhenIdle = value;
    }

    /// <summary>Set when the server sent a FATAL (it closes the connection right after).</summary>
    public bool ServerSentFatal { get; private set; }

    protected override MessageDisposition Classify(byte code) => (BackendMessageCode)code switch
    {
        BackendMessageCode.DataRow or BackendMessageCode.CopyData or BackendMessageCode.FunctionCallResponse => MessageDisposition.Stream,
        BackendMessageCode.CommandComplete or BackendMessageCode.ReadyForQuery or BackendMessageCode.RowDescription
            or BackendMessageCode.ErrorResponse or BackendMessageCode.NoticeResponse or BackendMessageCode.ParseComplete
            or BackendMessageCode.BindComplete or BackendMessageCode.CloseComplete or BackendMessageCode.NoData
            or BackendMessageCode.ParameterDescription or BackendMessageCode.PortalSuspended or BackendMessageCode.EmptyQueryResponse
            or BackendMessageCode.CopyInResponse or BackendMessageCode.CopyOutResponse or BackendMessageCode.CopyBothResponse
            or BackendMessageCode.CopyDone or BackendMessageCode.NotificationResponse or BackendMessageCode.ParameterStatus
            or BackendMessageCode.NegotiateProtocolVersion => MessageDisposition.Inspect,
        _ => MessageDisposition.Reject,
    };

    protected override RelayAction OnMessage(byte code, in ReadOnlySequence<byte> message, IBufferWriter<byte> output)
    {
        if (code == (byte)BackendMessageCode.ReadyForQuery)
        {
            if (message.Length != PgFraming.HeaderLength + 1)
            {
                ThrowHelper.ThrowProtocolViolation("invalid ReadyForQuery message from the server");
            }

            byte status = message.Slice(PgFraming.HeaderLength).FirstSpan[0];
            _model.OnBackendMessage(BackendMessageCode.ReadyForQuery, status);
            return _stopWhenIdle && _model.IsIdle ? RelayAction.ForwardAndStop : RelayAction.Forward;
        }

        if (code == (byte)BackendMessageCode.ErrorResponse)
        {
            // Rare path (errors only): decode the fields.
            ErrorResponse error = ErrorResponse.Read(message.Slice(PgFraming.HeaderLength));
            bool fatal = error.Severity is ErrorResponse.Fatal or "PANIC";
            ServerSentFatal |= fatal;
            (object? tag, ErrorResponse? pendingDenial) = _model.Current;
            ErrorResponse told = pendingDenial ?? error;
            _model.LastError = (told.SqlState, told.Message);
            if (tag is AuditedStatement audited)
            {
                audited.SetError(told.SqlState, told.Message);
            }

            // The server's syntax error for a statement policy refused: the client gets the policy's error instead.
            if (_model.OnBackendError(fatal) is { } denial)
            {
                denial.WriteTo(output);
                return RelayAction.Replaced;
            }

            return RelayAction.Forward;
        }

        if (code == (byte)BackendMessageCode.CommandComplete && _model.Current.Tag is AuditedStatement statement)
        {
            statement.AddCommandTag(CommandComplete.Read(message.Slice(PgFraming.HeaderLength)).CommandTag);
        }

        _model.OnBackendMessage((BackendMessageCode)code);
        return RelayAction.Forward;
    }

    protected override void OnStreamedMessage(byte code, int length, in ReadOnlySequence<byte> available) =>
        _model.OnBackendMessage((BackendMessageCode)code);

    protected override void OnRejected(byte code) =>
        ThrowHelper.ThrowProtocolViolation("unexpected message type " + code.ToString(System.Globalization.CultureInfo.InvariantCulture) + " from the server");

}
