using System.Buffers;
using HoopGate.Gateway.Interception;
using HoopGate.Masking;
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
    private readonly MaskingSession? _masking;
    private readonly int _maxRowLength;
    private ArrayBufferWriter<byte>? _scratch;
    private volatile bool _stopWhenIdle;

    // The plan of the rows now arriving; null until the first DataRow (or RowDescription) of a result resolves it.
    private ResultPlan? _rowPlan;

    // The plan of a COPY TO STDOUT in progress whose rows are masked, else null.
    private CopyPlan? _copyPlan;

    public BackendRelay(SessionModel model, MaskingSession? masking, int maxInspectedLength, int maxStreamedLength, GatewayMetrics? metrics = null)
        : base(maxInspectedLength, maxStreamedLength)
    {
        _model = model;
        _masking = masking;
        _maxRowLength = maxStreamedLength;
        _metrics = metrics;
    }

    private readonly GatewayMetrics? _metrics;
    private long _maskedValues;

    /// <summary>Hands the values masked since the last call to the metrics.</summary>
    public void ReportMaskedValues()
    {
        if (_maskedValues > 0)
        {
            _metrics?.AddMaskedValues(_maskedValues);
            _maskedValues = 0;
        }
    }

    /// <summary>Set on shutdown: relaying stops after the next ReadyForQuery that leaves the session idle.</summary>
    public bool StopWhenIdle
    {
        get => _stopWhenIdle;
        set => _stopWhenIdle = value;
    }

    /// <summary>Told every ParameterStatus the server sends (the server session keeps the current values for its next client).</summary>
    public Action<ParameterStatus>? ParameterChanged { get; init; }

    /// <summary>Set when the server sent a FATAL (it closes the connection right after).</summary>
    public bool ServerSentFatal { get; private set; }

    protected override MessageDisposition Classify(byte code)
    {
        if (code == (byte)BackendMessageCode.CopyData && _copyPlan is not null)
        {
            return MessageDisposition.Inspect;
        }

        if (code == (byte)BackendMessageCode.DataRow && _masking is not null)
        {
            // A row of a result with masked columns is rewritten whole; others stream.
            _rowPlan ??= ResolvePlan();
            return _rowPlan.HasMasks ? MessageDisposition.Inspect : MessageDisposition.Stream;
        }

        return ClassifyType(code);
    }

    /// <summary>Rows to rewrite may be as large as streamed ones (they are accumulated in a pooled buffer).</summary>
    protected override int InspectLimit(byte code, int configured) =>
        code is (byte)BackendMessageCode.DataRow or (byte)BackendMessageCode.CopyData ? _maxRowLength : configured;

    private static MessageDisposition ClassifyType(byte code) => (BackendMessageCode)code switch
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
        CountRow(code);
        if (_masking is not null && MaskingMessage(code, message, output) is { } masked)
        {
            return masked;
        }

        if (code == (byte)BackendMessageCode.ReadyForQuery)
        {
            if (message.Length != PgFraming.HeaderLength + 1)
            {
                ThrowHelper.ThrowProtocolViolation("invalid ReadyForQuery message from the server");
            }

            byte status = message.Slice(PgFraming.HeaderLength).FirstSpan[0];
            _model.OnBackendMessage(BackendMessageCode.ReadyForQuery, status);
            if (status == (byte)'I')
            {
                _masking?.OnIdle();
            }
            return _stopWhenIdle && _model.IsIdle ? RelayAction.ForwardAndStop : RelayAction.Forward;
        }

        if (code == (byte)BackendMessageCode.ErrorResponse)
        {
            // Rare path (errors only): decode the fields.
            ErrorResponse error = ErrorResponse.Read(message.Slice(PgFraming.HeaderLength));
            ErrorResponse? scrubbed = null;
            if (_masking is not null)
            {
                _rowPlan = null;
                _copyPlan = null;
                var failing = _model.Current.Tag as StatementContext;
                scrubbed = _masking.Scrub(error, failing?.Planned);
                scrubbed = ReferenceEquals(scrubbed, error) ? null : scrubbed;

                // A Query stops at its first error: what its statements would have done to cursor and prepared names did not happen.
                if (failing is { Portal: null, DescribeTarget: null })
                {
                    failing.Abandon(_masking);
                }
            }

            bool fatal = error.Severity is ErrorResponse.Fatal or "PANIC";
            ServerSentFatal |= fatal;
            (object? tag, ErrorResponse? pendingDenial) = _model.Current;
            ErrorResponse told = pendingDenial ?? scrubbed ?? error;
            _model.LastError = (told.SqlState, told.Message);
            if (tag is StatementContext { Audit: { } audited })
            {
                audited.SetError(told.SqlState, told.Message);
            }

            // The server's syntax error for a statement policy refused: the client gets the policy's error instead.
            if (_model.OnBackendError(fatal) is { } denial)
            {
                denial.WriteTo(output);
                return RelayAction.Replaced;
            }

            if (scrubbed is not null)
            {
                scrubbed.WriteTo(output);
                return RelayAction.Replaced;
            }

            return RelayAction.Forward;
        }

        if (code == (byte)BackendMessageCode.CloseComplete && _model.Current.Tag is StatementContext { InjectedClose: true })
        {
            // The answer to a Close the gateway added (of an approved statement's reserved name).
            _model.OnBackendMessage(BackendMessageCode.CloseComplete);
            return RelayAction.Replaced;
        }

        if (code == (byte)BackendMessageCode.CommandComplete && _model.Current.Tag is StatementContext { Audit: { } statement })
        {
            statement.AddCommandTag(CommandComplete.Read(message.Slice(PgFraming.HeaderLength)).CommandTag);
        }
        else if (code == (byte)BackendMessageCode.PortalSuspended && _model.Current.Tag is StatementContext { Audit: { } suspended })
        {
            suspended.AddSuspension();
        }
        else if (code == (byte)BackendMessageCode.ParameterStatus)
        {
            ParameterChanged?.Invoke(ParameterStatus.Read(message.Slice(PgFraming.HeaderLength)));
        }

        _model.OnBackendMessage((BackendMessageCode)code);
        return RelayAction.Forward;
    }

    protected override void OnStreamedMessage(byte code, int length, in ReadOnlySequence<byte> available)
    {
        CountRow(code);
        _model.OnBackendMessage((BackendMessageCode)code);
    }

    /// <summary>A DataRow, streamed or inspected, counts for its audited request (an Execute cut short by its row limit has no tag).</summary>
    private void CountRow(byte code)
    {
        if (code == (byte)BackendMessageCode.DataRow && _model.Current.Tag is StatementContext { Audit: { } statement })
        {
            statement.CountRow();
        }
    }

    /// <summary>
    /// The masking side of the server's answers: RowDescription makes the plan (for a Describe, into its slot); a result's
    /// end forgets it; DataRow is rewritten by it; notices and notification payloads are scrubbed. Null to go on as usual.
    /// </summary>
    private RelayAction? MaskingMessage(byte code, in ReadOnlySequence<byte> message, IBufferWriter<byte> output)
    {
        switch ((BackendMessageCode)code)
        {
            case BackendMessageCode.DataRow:
                RewriteRow(message, output);
                return RelayAction.Replaced;
            case BackendMessageCode.RowDescription:
                return OnRowDescription(message) ? Swallow(code) : null;
            case BackendMessageCode.NoData:
                if (_model.Current.Tag is StatementContext { DescribeTarget: { } slot } describe)
                {
                    // No rows — unless the statement's result depends on session state at run time (a FETCH of a cursor
                    // declared later): then it stays unknown, and its Execute describes its portal.
                    if (!describe.SessionShaped)
                    {
                        slot.Plan = ResultPlan.PassAll;
                    }

                    if (describe.Injected)
                    {
                        return Swallow(code);
                    }
                }

                return null;
            case BackendMessageCode.CommandComplete or BackendMessageCode.EmptyQueryResponse:
                _rowPlan = null;
                ReportMaskedValues();
                if (_model.Current.Tag is StatementContext { Portal: null, DescribeTarget: null } query)
                {
                    // The statement ran (its name changes take effect); the next statement of the Query is answered next.
                    query.Answered(_masking, ran: true);
                }

                return null;
            case BackendMessageCode.BindComplete or BackendMessageCode.ParseComplete:
                // Rows that follow belong to an Execute: planned by its portal, never by an earlier RowDescription.
                _rowPlan = null;
                return null;
            case BackendMessageCode.CopyData when _copyPlan is not null:
                RewriteCopyRow(message, output);
                return RelayAction.Replaced;
            case BackendMessageCode.CopyOutResponse:
                _rowPlan = null;
                OnCopyOut(message);
                return null;
            case BackendMessageCode.CopyDone:
                _copyPlan = null;
                return null;
            case BackendMessageCode.PortalSuspended or BackendMessageCode.ReadyForQuery:
                _rowPlan = null;
                _copyPlan = null;
                return null;
            case BackendMessageCode.NoticeResponse:
                ErrorResponse notice = ErrorResponse.Read(message.Slice(PgFraming.HeaderLength));
                ErrorResponse scrubbed = _masking!.Scrub(notice, (_model.Current.Tag as StatementContext)?.Planned);
                if (ReferenceEquals(scrubbed, notice))
                {
                    return null;
                }

                scrubbed.WriteNoticeTo(output);
                return RelayAction.Replaced;
            case BackendMessageCode.NotificationResponse when _masking!.ScrubsPayloads:
                NotificationResponse notification = NotificationResponse.Read(message.Slice(PgFraming.HeaderLength));
                string payload = _masking.ScrubPayload(notification.Payload);
                if (ReferenceEquals(payload, notification.Payload))
                {
                    return null;
                }

                (notification with { Payload = payload }).WriteTo(output);
                return RelayAction.Replaced;
            default:
                return null;
        }
    }

    /// <summary>The answer to the gateway's own Describe: it completes the request and goes no further.</summary>
    private RelayAction Swallow(byte code)
    {
        _model.OnBackendMessage((BackendMessageCode)code);
        return RelayAction.Replaced;
    }

    /// <summary>Makes the plan of a RowDescription; true when it answers the gateway's own Describe.</summary>
    private bool OnRowDescription(in ReadOnlySequence<byte> message)
    {
        byte[]? rented = null;
        try
        {
            ReadOnlySpan<byte> body = Contiguous(message, ref rented)[PgFraming.HeaderLength..];
            var context = _model.Current.Tag as StatementContext;
            if (context?.DescribeTarget is { } slot)
            {
                slot.Plan = _masking!.Plan(context.Described, body);
                return context.Injected;
            }

            if (context is not { Portal: null, Analysis: not null })
            {
                // The answer to a Describe the gateway could not place: it plans nothing (the rows of an Execute are planned
                // by their portal; a plan left here would be taken for theirs).
                _rowPlan = null;
                return false;
            }

            // A Query's result: the plan of the rows that follow.
            ResultPlan plan = _masking!.Plan(context.Planned, body);
            context.NoteMasking(plan);
            _rowPlan = plan;
            return false;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The plan of an Execute's rows: its portal's Describe, else its statement's with the Bind's formats, else unknown.</summary>
    private ResultPlan ResolvePlan()
    {
        if (_model.Current.Tag is not StatementContext { Portal: { } portal } context)
        {
            // Rows without a RowDescription or a portal the gateway followed: nothing is known, nothing passes.
            return ResultPlan.Unknown;
        }

        ResultPlan plan = portal.PortalResult?.Plan
            ?? (portal.StatementResult.Plan is { } statementPlan
                ? (portal.ResultFormats is { } formats ? statementPlan.WithFormats(formats) : statementPlan.AsNulls())
                : ResultPlan.Unknown);
        context.NoteMasking(plan);
        return plan;
    }

    private void RewriteRow(in ReadOnlySequence<byte> message, IBufferWriter<byte> output)
    {
        byte[]? rented = null;
        try
        {
            _rowPlan ??= ResolvePlan();
            _maskedValues += _rowPlan.MaskedColumns.Count;
            _rowPlan.RewriteDataRow(Contiguous(message, ref rented), output, _masking!.Key, _scratch ??= new ArrayBufferWriter<byte>(256));
            if (_scratch.Capacity > 64 * 1024)
            {
                _scratch = null;
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private void OnCopyOut(in ReadOnlySequence<byte> message)
    {
        var context = _model.Current.Tag as StatementContext;
        CopyPlan? plan = _masking!.PlanCopy(context?.Statement);
        if (plan is null)
        {
            return;
        }

        // CopyOutResponse: Int8 format, Int16 columns, … — the columns must be the plan's, or nothing would be right.
        if (message.Length < PgFraming.HeaderLength + 3)
        {
            ThrowHelper.ThrowProtocolViolation("invalid CopyOutResponse from the server");
        }

        Span<byte> head = stackalloc byte[3];
        message.Slice(PgFraming.HeaderLength, 3).CopyTo(head);
        if (head[0] != 0 || System.Buffers.Binary.BinaryPrimitives.ReadInt16BigEndian(head[1..]) != plan.ColumnCount)
        {
            ThrowHelper.ThrowProtocolViolation("a COPY the gateway masks does not have the columns it planned");
        }

        context?.Audit?.AddMasking(plan.MaskedColumns, []);
        _copyPlan = plan;
    }

    private void RewriteCopyRow(in ReadOnlySequence<byte> message, IBufferWriter<byte> output)
    {
        byte[]? rented = null;
        try
        {
            ReadOnlySpan<byte> row = Contiguous(message, ref rented)[PgFraming.HeaderLength..];
            _copyPlan!.RewriteRow(row, output, _masking!.Key, _scratch ??= new ArrayBufferWriter<byte>(256));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    protected override void OnRejected(byte code) =>
        ThrowHelper.ThrowProtocolViolation("unexpected message type " + code.ToString(System.Globalization.CultureInfo.InvariantCulture) + " from the server");

}
