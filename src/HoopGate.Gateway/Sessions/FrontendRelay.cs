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
    /// <summary>The portal a refused Execute names so that the server fails it (34000): one no client can create.</summary>
    internal const string RefusedPortalName = ApprovalTicket.ReservedPrefix + "refused";

    /// <summary>The statement a Bind of a spent approval is sent to so that the server fails it: one no client can create.</summary>
    internal const string SpentStatementName = ApprovalTicket.ReservedPrefix + "spent";

    /// <summary>What the server is sent in place of a refused statement: a syntax error, and a line in its log.</summary>
    internal const string RefusedSql = "-- refused by HoopGate policy\nHOOPGATE_REFUSED";

    private static readonly byte[] s_refusedSql = System.Text.Encoding.UTF8.GetBytes(RefusedSql);
    // Under the reserved prefix, so that no client can create it (Bind, DECLARE): a refused Execute must find nothing to run.
    private static readonly byte[] s_refusedPortal = System.Text.Encoding.UTF8.GetBytes(RefusedPortalName);

    private static readonly ErrorResponse s_functionCallRefused = ErrorResponse.Create(
        ErrorResponse.Error,
        SqlState.InsufficientPrivilege,
        "permission denied by policy rule \"function-call\": the FunctionCall message calls a function the gateway cannot see; use SELECT");

    private static readonly ErrorResponse s_auditUnavailable = ErrorResponse.Create(
        ErrorResponse.Error,
        SqlState.InsufficientResources,
        "the audit trail cannot be written, so no statement may run",
        hint: "the gateway's audit spool directory is not writable; an operator must fix it");

    // Extended protocol: what each prepared statement and portal runs, so that an Execute is audited with its SQL.
    private readonly Dictionary<string, PreparedStatement> _prepared = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PreparedStatement> _portals = new(StringComparer.Ordinal);
    private readonly SessionModel _model;
    private readonly StatementGate _gate;
    private readonly SessionAudit? _audit;
    private readonly HoopGate.Masking.MaskingSession? _masking;
    private readonly SessionReviews? _reviews;
    private readonly int _maxStreamedLength;

    // Batches end at Sync: an error skips the rest of its batch, so a Parse after other requests of its batch may not run.
    private long _batch;
    private int _inBatch;

    /// <summary>
    /// True when every extended-protocol message sent so far was followed by a Sync: the server has no implicit
    /// transaction open that a later simple Query would commit.
    /// </summary>
    public bool BetweenBatches => _inBatch == 0;

    /// <summary>
    /// Set once a statement may have left state that <c>DISCARD ALL</c> does not clear (<see cref="SqlAnalysis.OutlivesDiscard"/>,
    /// judged whether or not it ran): the server session then ends with the client instead of serving another.
    /// </summary>
    public bool OutlivesDiscard { get; private set; }

    // An approved statement standing for the client's unnamed statement (parsed upstream under its reserved name).
    private ApprovalTicket? _approvedUnnamed;

    // Prepared statements and portals are followed when something needs them: audit (SQL of an Execute), masking (plans).
    private readonly bool _track;

    public FrontendRelay(
        SessionModel model,
        StatementGate gate,
        SessionAudit? audit,
        HoopGate.Masking.MaskingSession? masking,
        int maxInspectedLength,
        int maxStreamedLength,
        SessionReviews? reviews = null)
        : base(maxInspectedLength, maxStreamedLength)
    {
        _model = model;
        _gate = gate;
        _audit = audit;
        _masking = masking;
        _reviews = reviews;
        _maxStreamedLength = maxStreamedLength;
        _track = audit is not null || masking is not null || reviews is not null;
    }

    /// <summary>The statement the last pass stopped at (<see cref="RelayAction.Hold"/>) waits for its review; resolve it, then relay again.</summary>
    public Task ResolveHeldAsync() => _reviews!.ResolveAsync();

    /// <summary>True when the catalog should be read before the next statement goes upstream.</summary>
    public bool NeedsCatalogRefresh => _masking is { NeedsRefresh: true };

    /// <summary>Reads the catalog again; keeps the old snapshot when it cannot (results of unknown relations stay masked).</summary>
    public async ValueTask RefreshCatalogAsync()
    {
        try
        {
            await _masking!.RefreshAsync(CancellationToken.None);
        }
        catch (HoopGate.Masking.Catalog.CatalogUnavailableException)
        {
            // Logged by the cache; the session goes on with what it knew.
        }
    }

    /// <summary>Raised for every refused statement (rule, analysis) — for logging until the audit trail records it.</summary>
    public Action<PolicyDecision, SqlAnalysis>? Refused { get; set; }

    protected override MessageDisposition Classify(byte code) => (FrontendMessageCode)code switch
    {
        FrontendMessageCode.Query or FrontendMessageCode.Parse or FrontendMessageCode.Describe or FrontendMessageCode.Execute
            or FrontendMessageCode.Close or FrontendMessageCode.Sync or FrontendMessageCode.Flush or FrontendMessageCode.Terminate
            or FrontendMessageCode.CopyDone or FrontendMessageCode.CopyFail or FrontendMessageCode.FunctionCall => MessageDisposition.Inspect,
        // While an approved statement stands for the client's unnamed one, its Binds are rewritten (and so inspected whole).
        FrontendMessageCode.Bind when _approvedUnnamed is not null => MessageDisposition.Inspect,
        FrontendMessageCode.Bind or FrontendMessageCode.CopyData => MessageDisposition.Stream,
        _ => MessageDisposition.Reject,
    };

    /// <summary>An inspected Bind may be as large as a streamed one (it is accumulated in a pooled buffer).</summary>
    protected override int InspectLimit(byte code, int configured) =>
        code == (byte)FrontendMessageCode.Bind ? _maxStreamedLength : configured;

    protected override RelayAction OnMessage(byte code, in ReadOnlySequence<byte> message, IBufferWriter<byte> output)
    {
        switch ((FrontendMessageCode)code)
        {
            case FrontendMessageCode.Query:
            case FrontendMessageCode.Parse:
                return OnStatement((FrontendMessageCode)code, message, output);
            case FrontendMessageCode.FunctionCall:
                WriteRefusedQuery(output);
                _model.OnFrontendMessage(
                    FrontendMessageCode.FunctionCall,
                    s_functionCallRefused,
                    Context(_audit?.StatementStarted("function-call", "(FunctionCall message)", null, PolicyDecision.Deny("function-call", "FunctionCall is refused")), null));
                return RelayAction.Replaced;
            case FrontendMessageCode.Execute:
                _inBatch++;
                return OnExecute(message, output);
            case FrontendMessageCode.Bind:
                _inBatch++;
                return OnApprovedUnnamedBind(message, output);
            case FrontendMessageCode.Describe:
                _inBatch++;
                if (ApprovedUnnamedTarget(message) is { } describedTicket)
                {
                    // The client describes its unnamed statement: the approved one, parsed under its reserved name.
                    WriteTargeted(output, FrontendMessageCode.Describe, (byte)'S', describedTicket.ServerName);
                    _model.OnFrontendMessage(FrontendMessageCode.Describe, tag: _masking is null ? null : DescribeContext(message));
                    return RelayAction.Replaced;
                }

                _model.OnFrontendMessage(FrontendMessageCode.Describe, tag: _masking is null ? null : DescribeContext(message));
                return RelayAction.Forward;
            case FrontendMessageCode.Close:
                _inBatch++;
                if (ApprovedUnnamedTarget(message) is { } closedTicket)
                {
                    WriteTargeted(output, FrontendMessageCode.Close, (byte)'S', closedTicket.ServerName);
                    _approvedUnnamed = null;
                    OnClose(message);
                    _model.OnFrontendMessage(FrontendMessageCode.Close);
                    return RelayAction.Replaced;
                }

                OnClose(message);
                _model.OnFrontendMessage(FrontendMessageCode.Close);
                return RelayAction.Forward;
            case FrontendMessageCode.Sync:
                _batch++;
                _inBatch = 0;
                _model.OnFrontendMessage(FrontendMessageCode.Sync);
                return RelayAction.Forward;
            case FrontendMessageCode.Terminate:
                // Not forwarded: the session decides whether the server session ends or is kept for another client.
                _model.OnFrontendMessage(FrontendMessageCode.Terminate);
                return RelayAction.Stop;
            default:
                _model.OnFrontendMessage((FrontendMessageCode)code);
                return RelayAction.Forward;
        }
    }

    protected override void OnStreamedMessage(byte code, int length, in ReadOnlySequence<byte> available)
    {
        if (code == (byte)FrontendMessageCode.Bind)
        {
            _inBatch++;
            if (_track)
            {
                OnBind(available);
            }
        }

        _model.OnFrontendMessage((FrontendMessageCode)code);
    }

    /// <summary>
    /// Bind streams, but its portal and statement names must be in hand first (they lead the message) and, for the audit
    /// record of its parameters, the whole of a Bind up to <see cref="BindInspectLimit"/>.
    /// </summary>
    protected override int RequiredHead(byte code, int length) =>
        code == (byte)FrontendMessageCode.Bind && _track
            ? Math.Min(length + 1, _masking is null && _audit!.ParameterMode == HoopGate.Audit.AuditParameterMode.None ? BindHead : BindInspectLimit)
            : 0;

    /// <summary>Binds up to this size (bytes) have their parameters recorded; larger ones stream and say so in the record.</summary>
    internal const int BindInspectLimit = 64 * 1024;

    /// <summary>How much of a Bind is waited for before it streams: its names fit many times over.</summary>
    internal const int BindHead = 1024;

    /// <summary>Before the pump sends what this pass forwarded: the start records must be durable (strict mode).</summary>
    public ValueTask<bool> WaitAuditDurableAsync() => _audit?.WaitDurableAsync() ?? new ValueTask<bool>(true);

    private RelayAction OnStatement(FrontendMessageCode code, in ReadOnlySequence<byte> message, IBufferWriter<byte> output)
    {
        byte[]? rented = null;
        try
        {
            ReadOnlySpan<byte> body = Contiguous(message, ref rented);
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

            CheckName(name);
            bool query = code == FrontendMessageCode.Query;
            bool atRisk = !query && _inBatch > 0;
            PolicyDecision decision = _gate.Judge(sql, out SqlAnalysis analysis, answered: query);
            OutlivesDiscard |= analysis.OutlivesDiscard;
            if (decision.Action != PolicyAction.Deny && NamesReserved(analysis))
            {
                decision = PolicyDecision.Deny("reserved-name", "statement names beginning " + ApprovalTicket.ReservedPrefix + " are the gateway's");
            }

            ErrorResponse? refusal = null;
            long? approval = null;
            string? sqlText = null;
            if (decision.Action == PolicyAction.Review && _reviews is not null)
            {
                // Held for approval: stop here until the pump has the outcome, then this message comes round again.
                sqlText = System.Text.Encoding.UTF8.GetString(sql);
                if (_reviews.TakeOutcome((byte)code, sqlText) is { } outcome)
                {
                    if (outcome.Verdict == HoopGate.Approvals.ApprovalVerdict.Approved)
                    {
                        approval = outcome.Request!.Id;
                        decision = SessionReviews.Approved(decision, approval.Value);
                    }
                    else
                    {
                        approval = outcome.Request?.Id;
                        (refusal, decision) = SessionReviews.Refusal(decision, outcome);
                        Refused?.Invoke(decision, analysis);
                        if (query)
                        {
                            // Checked by masking before it was held; it will not run.
                            _masking?.Abandon(analysis);
                        }
                    }
                }
                else if (_model.TransactionStatus == TransactionStatus.InFailedTransactionBlock && _model.IsIdle)
                {
                    // In an aborted transaction the statement cannot run: nobody is asked to approve it.
                    decision = new PolicyDecision(PolicyAction.Deny, decision.Rule, "current transaction is aborted, commands ignored until end of transaction block", SqlState.InFailedSqlTransaction);
                    refusal = ErrorResponse.Create(ErrorResponse.Error, SqlState.InFailedSqlTransaction, decision.Reason);
                }
                else if ((ReviewBlocked(code, name, analysis, decision) ?? _gate.MaskingRefusal(analysis, answered: query)) is { } blocked)
                {
                    decision = blocked;
                }
                else
                {
                    _reviews.Held = new HeldStatement((byte)code, sqlText, analysis, decision);
                    return RelayAction.Hold;
                }
            }
            else
            {
                _reviews?.TakeOutcome(0, "");
            }

            if (!query)
            {
                _inBatch++;
            }

            if (refusal is null && !decision.IsAllowed)
            {
                Refused?.Invoke(decision, analysis);
                refusal = StatementGate.ToError(decision);
            }
            else if (refusal is null && _audit is { CanStartStatements: false } && query)
            {
                refusal = s_auditUnavailable;
                decision = PolicyDecision.Deny("audit", "the audit trail cannot be written");
                _masking?.Abandon(analysis);
            }

            if (refusal is null && _reviews is not null && analysis.IsValid)
            {
                NoteJustificationSetting(analysis, sqlText ??= System.Text.Encoding.UTF8.GetString(sql));
            }

            if (refusal is null && _track && analysis.IsValid && query)
            {
                // A Query's DECLARE, PREPARE, CLOSE, DEALLOCATE or DISCARD runs now; a Parse's runs when executed.
                ForgetSqlLevelNames(analysis);
            }

            PreparedStatement? parsed = null;
            if (code == FrontendMessageCode.Parse && _track)
            {
                // A new statement under a name the gateway did not hold is recorded (settled when the server answers).
                string statementName = System.Text.Encoding.UTF8.GetString(name);
                if (refusal is null && (statementName.Length == 0 || !_prepared.ContainsKey(statementName)))
                {
                    parsed = new PreparedStatement(sqlText ?? System.Text.Encoding.UTF8.GetString(sql), analysis, decision)
                    {
                        Approval = approval is { } id ? new ApprovalTicket(id) : null,
                        AtRisk = atRisk,
                        Batch = _batch,
                    };
                    _prepared[statementName] = parsed;
                }
                else
                {
                    // A failed Parse drops the unnamed statement. A name the gateway already had: the server keeps the old
                    // statement, or takes this one if the old Parse failed there — unknown either way, so forgotten.
                    _prepared.Remove(statementName);
                }

                _masking?.ForgetName(portal: false, statementName);
            }

            // Audited: every Query, and a Parse that is refused (an allowed one is audited when it is executed).
            AuditedStatement? audited = _audit is not null && (code == FrontendMessageCode.Query || refusal is not null)
                ? _audit.StatementStarted(
                    code == FrontendMessageCode.Query ? "simple" : "extended",
                    sqlText ?? System.Text.Encoding.UTF8.GetString(sql),
                    analysis,
                    decision,
                    approval: approval,
                    executes: ExecutedStatements(analysis))
                : null;
            if (refusal is null)
            {
                RelayAction action = RelayAction.Forward;
                bool approvedParse = !query && parsed?.Approval is not null;
                if (!query && name.IsEmpty && RetireApprovedUnnamed(output))
                {
                    // The Close went first: the client's Parse follows it (unless an approved one replaces it below).
                    if (!approvedParse)
                    {
                        message.CopyTo(output.GetSpan((int)message.Length));
                        output.Advance((int)message.Length);
                    }

                    action = RelayAction.Replaced;
                }

                if (!query && parsed?.Approval is { } ticket)
                {
                    // Approved: parsed upstream under a reserved name, bound once (OnApprovedUnnamedBind), then closed.
                    WriteParse(output, ticket.ServerName, sql, rest);
                    _approvedUnnamed = ticket;
                    action = RelayAction.Replaced;
                }

                _model.OnFrontendMessage(
                    code,
                    tag: query
                        ? (_track ? new StatementContext { Audit = audited, Analysis = analysis, Uses = _masking?.TakeUses() } : Context(audited, null))
                        : parsed is not null ? new StatementContext { Audit = audited, Parsed = parsed } : Context(audited, null));
                return action;
            }

            if (code == FrontendMessageCode.Query)
            {
                WriteRefusedQuery(output);
            }
            else
            {
                if (name.IsEmpty)
                {
                    // Even a refused Parse replaces the client's unnamed statement.
                    RetireApprovedUnnamed(output);
                }

                WriteRefusedParse(output, name);
            }

            _model.OnFrontendMessage(code, refusal, Context(audited, null));
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

    private RelayAction OnExecute(in ReadOnlySequence<byte> message, IBufferWriter<byte> output)
    {
        if (!_track)
        {
            _model.OnFrontendMessage(FrontendMessageCode.Execute);
            return RelayAction.Forward;
        }

        byte[]? rented = null;
        try
        {
            ReadOnlySpan<byte> body = Contiguous(message, ref rented)[PgFraming.HeaderLength..];
            ReadOnlySpan<byte> portalName = CString(body, out _);
            CheckName(portalName);
            string portal = System.Text.Encoding.UTF8.GetString(portalName);
            PreparedStatement? statement = _portals.GetValueOrDefault(portal);
            if (statement?.Statement is { } parsed && (parsed.CursorAction != NameAction.None || parsed.PreparedAction != NameAction.None))
            {
                // A DECLARE, PREPARE, CLOSE, DEALLOCATE or DISCARD sent in a Parse runs now: the names it changes are not
                // what the gateway knew (and SQL can no longer know what they hold).
                ForgetSqlLevelNames(statement.Analysis);
                _masking?.ForgetNames(parsed);
            }
            string sql = statement?.Sql ?? "(portal not seen by the gateway)";
            if (_audit is { CanStartStatements: false })
            {
                // An Execute of a portal that cannot exist: the server answers 34000 and skips to Sync; the client gets 53000.
                AuditedStatement refused = _audit.StatementStarted("extended", sql, statement?.Analysis, PolicyDecision.Deny("audit", "the audit trail cannot be written"));
                WriteRefusedExecute(output);
                _model.OnFrontendMessage(FrontendMessageCode.Execute, s_auditUnavailable, Context(refused, null));
                return RelayAction.Replaced;
            }

            if (statement?.Approval is { } ticket && !ReferenceEquals(ticket.Portal ??= statement, statement))
            {
                // The approval was for one execution, and another portal already spent it.
                (ErrorResponse error, PolicyDecision spent) = ApprovalSpent(statement, ticket);
                AuditedStatement? refused = _audit?.StatementStarted("extended", sql, statement.Analysis, spent, approval: ticket.Request);
                WriteRefusedExecute(output);
                _model.OnFrontendMessage(FrontendMessageCode.Execute, error, Context(refused, null));
                return RelayAction.Replaced;
            }

            if (_masking is not null && statement is { PortalResult: { Requested: false } slot }
                && (!statement.StatementResult.Requested || SessionShaped(statement.Statement)))
            {
                // Nobody described this portal (a client that caches descriptions), or only its statement, whose result
                // depends on session state (a FETCH's cursor may have changed since): ask the server, so that the rows can
                // be masked by their columns; the answer is the gateway's and never reaches the client.
                WriteDescribePortal(output, portalName);
                slot.Requested = true;
                _model.OnFrontendMessage(FrontendMessageCode.Describe, tag: new StatementContext
                {
                    DescribeTarget = slot,
                    Described = _masking.Resolve(statement.Statement),
                    SessionShaped = SessionShaped(statement.Statement),
                    Injected = true,
                });
                message.CopyTo(output.GetSpan((int)message.Length));
                output.Advance((int)message.Length);
                ExecuteForwarded(statement, sql);
                return RelayAction.Replaced;
            }

            ExecuteForwarded(statement, sql);
            return RelayAction.Forward;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private void ExecuteForwarded(PreparedStatement? statement, string sql)
    {
        AuditedStatement? audited = _audit?.StatementStarted(
            "extended",
            sql,
            statement?.Analysis,
            statement?.Decision ?? PolicyDecision.Allowed,
            statement?.Parameters,
            statement?.ParametersOmitted,
            statement?.Approval?.Request,
            statement is null ? null : ExecutedStatements(statement.Analysis));
        _model.OnFrontendMessage(FrontendMessageCode.Execute, tag: new StatementContext { Audit = audited, Analysis = statement?.Analysis, Portal = statement });
    }

    /// <summary>
    /// A Bind while an approved statement stands for the client's unnamed one. Its first Bind of the unnamed statement
    /// binds the approved statement (by its reserved name), which is then closed: one approval, one portal, one run. A
    /// later Bind of the unnamed statement is refused until the client parses another.
    /// </summary>
    private RelayAction OnApprovedUnnamedBind(in ReadOnlySequence<byte> message, IBufferWriter<byte> output)
    {
        byte[]? rented = null;
        try
        {
            ReadOnlySpan<byte> body = Contiguous(message, ref rented)[PgFraming.HeaderLength..];
            ReadOnlySpan<byte> portalName = CString(body, out ReadOnlySpan<byte> afterPortal);
            ReadOnlySpan<byte> statementName = CString(afterPortal, out ReadOnlySpan<byte> afterStatement);
            CheckName(portalName);
            CheckName(statementName);
            ApprovalTicket ticket = _approvedUnnamed!;
            if (!statementName.IsEmpty)
            {
                OnBind(message);
                _model.OnFrontendMessage(FrontendMessageCode.Bind);
                return RelayAction.Forward;
            }

            string portal = System.Text.Encoding.UTF8.GetString(portalName);
            if (ticket.Bound)
            {
                // The approval has run its one portal: a Bind of a statement that cannot exist, whose error is swapped for ours.
                _portals.Remove(portal);
                WriteBind(output, portalName, s_spentStatement, s_emptyBindTail);
                (ErrorResponse error, _) = ApprovalSpent(_prepared.GetValueOrDefault(""), ticket);
                _model.OnFrontendMessage(FrontendMessageCode.Bind, error);
                return RelayAction.Replaced;
            }

            ticket.Bound = true;
            OnBind(message);
            ticket.Portal = _portals.GetValueOrDefault(portal);
            WriteBind(output, portalName, System.Text.Encoding.UTF8.GetBytes(ticket.ServerName), afterStatement);
            _model.OnFrontendMessage(FrontendMessageCode.Bind);
            WriteApprovedClose(output, ticket);
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

    /// <summary>Writes a Bind: portal, statement, then the rest of a Bind as the client sent it (formats, values, result formats).</summary>
    private static void WriteBind(IBufferWriter<byte> output, ReadOnlySpan<byte> portal, ReadOnlySpan<byte> statement, ReadOnlySpan<byte> tail)
    {
        var writer = MessageWriter.Begin(output, (byte)FrontendMessageCode.Bind, portal.Length + 1 + statement.Length + 1 + tail.Length);
        writer.WriteBytes(portal);
        writer.WriteByte(0);
        writer.WriteBytes(statement);
        writer.WriteByte(0);
        writer.WriteBytes(tail);
        writer.Commit();
    }

    /// <summary>
    /// The client's unnamed statement is being replaced: the approved statement that stood for it is gone, and closed
    /// upstream if it was never bound. True when that Close was written (before the message that replaces it).
    /// </summary>
    private bool RetireApprovedUnnamed(IBufferWriter<byte> output)
    {
        if (_approvedUnnamed is not { } retired)
        {
            return false;
        }

        _approvedUnnamed = null;
        if (retired.Bound)
        {
            return false;
        }

        WriteApprovedClose(output, retired);
        return true;
    }

    /// <summary>Closes an approved statement's reserved name upstream; the CloseComplete is the gateway's, not the client's.</summary>
    private void WriteApprovedClose(IBufferWriter<byte> output, ApprovalTicket ticket)
    {
        WriteTargeted(output, FrontendMessageCode.Close, (byte)'S', ticket.ServerName);
        _model.OnFrontendMessage(FrontendMessageCode.Close, tag: new StatementContext { InjectedClose = true });
    }

    /// <summary>The approved statement a Describe or Close of the client's unnamed statement means, if one stands for it.</summary>
    private ApprovalTicket? ApprovedUnnamedTarget(in ReadOnlySequence<byte> message) =>
        _approvedUnnamed is { } ticket && TargetName(message, out bool portal) is { Length: 0 } && !portal ? ticket : null;

    /// <summary>Writes a Describe or Close ('S' or 'P', then a name).</summary>
    private static void WriteTargeted(IBufferWriter<byte> output, FrontendMessageCode code, byte kind, string name)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(name);
        var writer = MessageWriter.Begin(output, (byte)code, 1 + bytes.Length + 1);
        writer.WriteByte(kind);
        writer.WriteBytes(bytes);
        writer.WriteByte(0);
        writer.Commit();
    }

    /// <summary>Writes a Parse of <paramref name="sql"/> under <paramref name="name"/>, with the parameter types as the client sent them.</summary>
    private static void WriteParse(IBufferWriter<byte> output, string name, ReadOnlySpan<byte> sql, ReadOnlySpan<byte> parameterTypes)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(name);
        var writer = MessageWriter.Begin(output, (byte)FrontendMessageCode.Parse, bytes.Length + 1 + sql.Length + 1 + parameterTypes.Length);
        writer.WriteBytes(bytes);
        writer.WriteByte(0);
        writer.WriteBytes(sql);
        writer.WriteByte(0);
        writer.WriteBytes(parameterTypes);
        writer.Commit();
    }

    /// <summary>
    /// Statements parsed under a name (protocol level) that SQL executes (<c>EXECUTE s1</c>, at any depth), for the audit
    /// record: an allowed Parse is recorded only when executed, so without this the trail would show <c>EXECUTE s1</c>
    /// and nothing of what ran. Left out: a Parse the server refused or skipped, and one parsed under an approval (it sits
    /// upstream under a reserved name, so the name runs something else) — both mean the name holds what the gateway
    /// did not see.
    /// </summary>
    private List<(string Name, string Sql, SqlAnalysis Analysis)>? ExecutedStatements(SqlAnalysis analysis)
    {
        List<(string, string, SqlAnalysis)>? executes = null;
        foreach (StatementInfo statement in analysis.Statements)
        {
            foreach (string executed in statement.ExecutedNames)
            {
                if (executed.Length > 0 && _prepared.TryGetValue(executed, out PreparedStatement? prepared) && !prepared.Failed && prepared.Approval is null)
                {
                    (executes ??= []).Add((executed, prepared.Sql, prepared.Analysis));
                }
            }
        }

        return executes;
    }

    /// <summary>SQL naming a prepared statement or cursor under the gateway's reserved prefix (EXECUTE hoopgate_approved_7).</summary>
    private static bool NamesReserved(SqlAnalysis analysis)
    {
        foreach (StatementInfo statement in analysis.Statements)
        {
            if (statement.Lineage.PreparedName?.StartsWith(ApprovalTicket.ReservedPrefix, StringComparison.Ordinal) == true
                || statement.Lineage.CursorName?.StartsWith(ApprovalTicket.ReservedPrefix, StringComparison.Ordinal) == true)
            {
                return true;
            }

            // EXPLAIN ANALYZE EXECUTE hoopgate_approved_17 would run an approved statement again, as often as asked.
            foreach (string executed in statement.ExecutedNames)
            {
                if (executed.StartsWith(ApprovalTicket.ReservedPrefix, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>An Execute of a portal that cannot exist: the server answers 34000 and skips to Sync, and the client gets the gateway's error.</summary>
    private static void WriteRefusedExecute(IBufferWriter<byte> output)
    {
        var writer = MessageWriter.Begin(output, (byte)FrontendMessageCode.Execute, s_refusedPortal.Length + 1 + 4);
        writer.WriteBytes(s_refusedPortal);
        writer.WriteByte(0);
        writer.WriteInt32(0);
        writer.Commit();
    }

    private static (ErrorResponse Error, PolicyDecision Decision) ApprovalSpent(PreparedStatement? statement, ApprovalTicket ticket)
    {
        string message = "review request " + ticket.Request.ToString(System.Globalization.CultureInfo.InvariantCulture)
            + " approved one execution of this statement, and it has run";
        return (
            ErrorResponse.Create(ErrorResponse.Error, SqlState.InsufficientPrivilege, message, hint: "run the statement again to file a new request"),
            new PolicyDecision(PolicyAction.Review, statement?.Decision.Rule, message, SqlState.InsufficientPrivilege));
    }

    /// <summary>
    /// A statement that needs approval but could run more than once under it — prepared under a name (protocol or SQL
    /// PREPARE) — is refused outright; sent unnamed or as a simple query it is held.
    /// </summary>
    private static PolicyDecision? ReviewBlocked(FrontendMessageCode code, ReadOnlySpan<byte> name, SqlAnalysis analysis, PolicyDecision review)
    {
        bool prepared = code == FrontendMessageCode.Parse && !name.IsEmpty;
        foreach (StatementInfo statement in analysis.Statements)
        {
            prepared |= statement.PreparedAction == NameAction.Define;
        }

        return prepared
            ? PolicyDecision.Deny(review.Rule ?? "review", "a statement that needs approval cannot be prepared under a name; send it unprepared")
            : null;
    }

    /// <summary>Remembers the session's <c>SET hoopgate.justification</c> (cleared by RESET or RESET ALL).</summary>
    private void NoteJustificationSetting(SqlAnalysis analysis, string sql)
    {
        foreach (StatementInfo statement in analysis.Statements)
        {
            foreach (SettingChange setting in statement.Settings)
            {
                if (setting.Action == SettingAction.ResetAll || (setting.Name == Justification.SettingName && setting.Action == SettingAction.Reset))
                {
                    _reviews!.SessionJustification = null;
                }
                else if (setting.Name == Justification.SettingName)
                {
                    _reviews!.SessionJustification = Justification.InSetting(sql);
                }
            }
        }
    }

    private static void WriteDescribePortal(IBufferWriter<byte> output, ReadOnlySpan<byte> portal)
    {
        var writer = MessageWriter.Begin(output, (byte)FrontendMessageCode.Describe, 1 + portal.Length + 1);
        writer.WriteByte((byte)'P');
        writer.WriteBytes(portal);
        writer.WriteByte(0);
        writer.Commit();
    }

    private void OnBind(in ReadOnlySequence<byte> available)
    {
        // Bind: String portal, String statement, Int16 n, Int16 format[n], Int16 m, { Int32 len, Byte[len] }[m], … The
        // head is guaranteed to be here: the whole message when it is at most BindInspectLimit, else its names.
        ReadOnlySequence<byte> body = available.Slice(PgFraming.HeaderLength);
        int bodyLength = BinaryPrimitivesLength(available) - 4;
        bool whole = body.Length >= bodyLength;
        int length = whole ? bodyLength : (int)Math.Min(body.Length, BindHead);
        byte[] bytes = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            body.Slice(0, length).CopyTo(bytes);
            ReadOnlySpan<byte> span = bytes.AsSpan(0, length);
            int portalEnd = span.IndexOf((byte)0);
            int statementEnd = portalEnd < 0 ? -1 : span[(portalEnd + 1)..].IndexOf((byte)0);
            if (statementEnd < 0)
            {
                // Names are at most 63 bytes: two of them always fit in the head. Without them the gateway could not tell
                // which portal this Bind replaces.
                ThrowHelper.ThrowProtocolViolation("invalid Bind message: its portal and statement names are missing or too long");
            }

            // Also keeps clients off the portal a refused Execute names (under the reserved prefix): theirs would run instead.
            CheckName(span[..portalEnd]);
            CheckName(span.Slice(portalEnd + 1, statementEnd));

            string portal = System.Text.Encoding.UTF8.GetString(span[..portalEnd]);
            string statement = System.Text.Encoding.UTF8.GetString(span.Slice(portalEnd + 1, statementEnd));
            _masking?.ForgetName(portal: true, portal);
            if (!_prepared.TryGetValue(statement, out PreparedStatement? prepared) || prepared.Failed
                || (prepared.AtRisk && !prepared.Settled && prepared.Batch != _batch))
            {
                // Unknown — or its Parse was refused or skipped upstream, or may have been and is not answered yet: the
                // server binds whatever it has under the name, which the gateway cannot describe (masked whole, audited as unknown).
                if (prepared is { Failed: true })
                {
                    _prepared.Remove(statement);
                }

                _portals.Remove(portal);
                return;
            }

            IReadOnlyList<string?>? parameters = null;
            string? omitted = null;
            short[]? formats = null;
            string?[]? values = null;
            ReadOnlySpan<byte> rest = span[(portalEnd + 1 + statementEnd + 1)..];
            bool record = _audit is not null && _audit.ParameterMode != HoopGate.Audit.AuditParameterMode.None;
            bool read = whole && TryReadParameters(rest, record, out values, out formats);
            if (record)
            {
                parameters = read ? values : null;
                omitted = read ? null : whole ? "malformed" : "too large to record";
            }

            _portals[portal] = prepared with { Parameters = parameters, ParametersOmitted = omitted, ResultFormats = formats, PortalResult = new ResultSlot() };
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static int BinaryPrimitivesLength(in ReadOnlySequence<byte> message)
    {
        Span<byte> header = stackalloc byte[PgFraming.HeaderLength];
        message.Slice(0, PgFraming.HeaderLength).CopyTo(header);
        return System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header[1..]);
    }

    /// <summary>Reads a Bind's parameters (recording them for audit when asked) and the result formats that follow them.</summary>
    private bool TryReadParameters(ReadOnlySpan<byte> rest, bool record, out string?[]? values, out short[]? resultFormats)
    {
        values = null;
        resultFormats = null;
        if (rest.Length < 2)
        {
            return false;
        }

        int formatCount = System.Buffers.Binary.BinaryPrimitives.ReadInt16BigEndian(rest);
        rest = rest[2..];
        if (formatCount < 0 || rest.Length < (formatCount * 2) + 2)
        {
            return false;
        }

        ReadOnlySpan<byte> formats = rest[..(formatCount * 2)];
        rest = rest[(formatCount * 2)..];
        int count = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(rest);
        rest = rest[2..];
        string?[]? result = record ? new string?[count] : null;
        for (int i = 0; i < count; i++)
        {
            if (rest.Length < 4)
            {
                return false;
            }

            int length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(rest);
            rest = rest[4..];
            if (length < 0)
            {
                continue;
            }

            if (rest.Length < length)
            {
                return false;
            }

            if (result is not null)
            {
                int format = formatCount == 0 ? 0 : System.Buffers.Binary.BinaryPrimitives.ReadInt16BigEndian(formats[((formatCount == 1 ? 0 : i) * 2)..]);
                result[i] = _audit!.RecordParameter(rest[..length], binary: format == 1);
            }

            rest = rest[length..];
        }

        // Int16 r, Int16 resultFormat[r].
        if (rest.Length < 2)
        {
            return false;
        }

        int resultCount = System.Buffers.Binary.BinaryPrimitives.ReadInt16BigEndian(rest);
        if (resultCount < 0 || rest.Length != 2 + (resultCount * 2))
        {
            return false;
        }

        resultFormats = resultCount == 0 ? [] : new short[resultCount];
        for (int i = 0; i < resultCount; i++)
        {
            resultFormats[i] = System.Buffers.Binary.BinaryPrimitives.ReadInt16BigEndian(rest[(2 + (i * 2))..]);
        }

        values = result;
        return true;
    }

    /// <summary>
    /// SQL PREPARE, DEALLOCATE, DECLARE, CLOSE and DISCARD share their names with the protocol's statements and portals:
    /// what the gateway knew under such a name no longer says what the server will run, so it is forgotten (an Execute of
    /// it then has unknown rows, which are masked whole).
    /// </summary>
    private void ForgetSqlLevelNames(SqlAnalysis analysis)
    {
        IReadOnlyList<StatementInfo> statements = analysis.Statements;
        for (int i = 0; i < statements.Count; i++)
        {
            StatementInfo statement = statements[i];
            Forget(_portals, statement.CursorAction, statement.Lineage.CursorName);
            Forget(_prepared, statement.PreparedAction, statement.Lineage.PreparedName);
        }
    }

    private static void Forget(Dictionary<string, PreparedStatement> names, NameAction action, string? name)
    {
        if (action == NameAction.DropAll)
        {
            names.Clear();
        }
        else if (action is NameAction.Define or NameAction.Drop)
        {
            names.Remove(name!);
        }
    }

    /// <summary>A Describe's target: the slot its RowDescription's plan goes to.</summary>
    private StatementContext? DescribeContext(in ReadOnlySequence<byte> message)
    {
        if (TargetName(message, out bool portal) is not { } name || !(portal ? _portals : _prepared).TryGetValue(name, out PreparedStatement? target))
        {
            return null;
        }

        ResultSlot? slot = portal ? target.PortalResult : target.StatementResult;
        slot?.Requested = true;
        return new StatementContext { DescribeTarget = slot, Described = _masking!.Resolve(target.Statement), SessionShaped = SessionShaped(target.Statement) };
    }

    private static StatementContext? Context(AuditedStatement? audited, SqlAnalysis? analysis) =>
        audited is null && analysis is null ? null : new StatementContext { Audit = audited, Analysis = analysis };

    private void OnClose(in ReadOnlySequence<byte> message)
    {
        if (_track && TargetName(message, out bool portal) is { } name)
        {
            (portal ? _portals : _prepared).Remove(name);
            _masking?.ForgetName(portal, name);
        }
    }

    /// <summary>The name a Describe or Close names ('S' statement or 'P' portal, then the name); null when there is none.</summary>
    private static string? TargetName(in ReadOnlySequence<byte> message, out bool portal)
    {
        portal = false;
        if (message.Length < PgFraming.HeaderLength + 2)
        {
            return null;
        }

        byte[]? rented = null;
        try
        {
            ReadOnlySpan<byte> body = Contiguous(message, ref rented)[PgFraming.HeaderLength..];
            portal = body[0] == (byte)'P';
            ReadOnlySpan<byte> name = CString(body[1..], out _);
            CheckName(name);
            return System.Text.Encoding.UTF8.GetString(name);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Statement and portal names are at most 63 bytes (NAMEDATALEN - 1). The server would cut a longer one short, so
    /// two names the gateway tells apart could be one name upstream: refused as a protocol violation.
    /// </summary>
    private static void CheckName(ReadOnlySpan<byte> name)
    {
        if (name.Length > MaxNameLength)
        {
            ThrowHelper.ThrowProtocolViolation("statement and portal names are at most 63 bytes");
        }

        if (name.StartsWith(s_reservedPrefix))
        {
            ThrowHelper.ThrowProtocolViolation("statement and portal names beginning " + ApprovalTicket.ReservedPrefix + " are the gateway's");
        }
    }

    private static readonly byte[] s_reservedPrefix = System.Text.Encoding.UTF8.GetBytes(ApprovalTicket.ReservedPrefix);
    // Under the reserved prefix, so that no client can create it (Parse, PREPARE): a spent approval must bind to nothing.
    private static readonly byte[] s_spentStatement = System.Text.Encoding.UTF8.GetBytes(SpentStatementName);

    // No parameter formats, no parameters, no result formats.
    private static readonly byte[] s_emptyBindTail = new byte[6];

    /// <summary>The longest statement or portal name the server keeps whole.</summary>
    internal const int MaxNameLength = 63;

    /// <summary>A statement whose result depends on session state at run time (FETCH, EXECUTE, CALL): a description of it made earlier proves nothing.</summary>
    private static bool SessionShaped(StatementInfo? statement) =>
        statement is null || statement.CursorAction == NameAction.Use || statement.PreparedAction == NameAction.Use || statement.Command == "CALL";

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
