using HoopGate.Protocol.Backend;
using HoopGate.Protocol.Frontend;

namespace HoopGate.Gateway.Sessions;

/// <summary>
/// What is in flight on one session: each client request in order, paired with the server's answer
/// (CommandComplete, ErrorResponse, EmptyQueryResponse, ReadyForQuery...), and the transaction status.
/// Pure bookkeeping over message codes — no I/O, no allocation per message — so that policy, audit and
/// masking can hang off it. Pipelined simple and extended protocol are both tracked; after an error in
/// an extended-protocol batch the server skips to Sync, and so does this model.
/// </summary>
internal sealed class SessionModel
{
    // The client pump adds requests and the server pump completes them, on different threads.
    private readonly Lock _gate = new();
    private PendingKind[] _queue = new PendingKind[16];

    // Parallel to _queue: the gateway's own error for a request policy refused (sent upstream as a statement that
    // fails to parse, so that the server keeps its own state — transaction, skip to Sync — exactly as for any error).
    private ErrorResponse?[] _denials = new ErrorResponse?[16];

    // Parallel to _queue: what an observer attached to the request (the audit record it completes).
    private object?[] _tags = new object?[16];
    private ErrorResponse? _pendingDenial;
    private object? _pendingTag;

    // After an extended-protocol error with no Sync yet sent, the server discards every message until Sync (and answers
    // none of them): so must the model, or later answers pair with the wrong requests.
    private bool _skipUntilSync;
    private int _head;
    private int _count;
    private bool _currentFailed;

    /// <summary>The status from the last ReadyForQuery.</summary>
    public TransactionStatus TransactionStatus { get; private set; } = TransactionStatus.Idle;

    /// <summary>Requests sent but not fully answered.</summary>
    public int InFlight => Volatile.Read(ref _count);

    /// <summary>True when nothing is in flight: the client has its last ReadyForQuery and has sent nothing since.</summary>
    public bool IsIdle => Volatile.Read(ref _count) == 0;

    /// <summary>Statements (simple-protocol statements and Executes) the server completed.</summary>
    public long StatementsCompleted { get; private set; }

    /// <summary>Statements that ended in an ErrorResponse.</summary>
    public long StatementsFailed { get; private set; }

    /// <summary>Server messages that did not fit what was in flight (a gateway bug or a server surprise).</summary>
    public long Anomalies { get; private set; }

    /// <summary>True while the server is in COPY IN or COPY OUT for the current request.</summary>
    public bool InCopy { get; private set; }

    /// <summary>Set when the client sent Terminate.</summary>
    public bool Terminated { get; private set; }

    /// <summary>Raised when a request's answer is complete (for observers such as audit; not per DataRow).</summary>
    public Action<PendingKind, RequestOutcome, object?>? RequestCompleted { get; set; }

    /// <summary>The SQLSTATE and message of the last error the server sent (what a skipped or failed statement saw).</summary>
    public (string? SqlState, string? Message) LastError { get; set; }

    /// <summary>The oldest request in flight's tag and, when policy refused it, the error the client gets.</summary>
    public (object? Tag, ErrorResponse? Denial) Current
    {
        get
        {
            lock (_gate)
            {
                return _count > 0 ? (_tags[_head], _denials[_head]) : (null, null);
            }
        }
    }

    /// <summary>Records a message the client sent (after it is forwarded).</summary>
    /// <param name="code">The message type.</param>
    /// <param name="denial">For a request policy refused, the error the client gets in place of the server's.</param>
    /// <param name="tag">An observer's object for the request, handed back by <see cref="RequestCompleted"/>.</param>
    public void OnFrontendMessage(FrontendMessageCode code, ErrorResponse? denial = null, object? tag = null)
    {
        lock (_gate)
        {
            _pendingDenial = denial;
            _pendingTag = tag;
            OnFrontendMessageLocked(code);
            _pendingDenial = null;
            _pendingTag = null;
        }
    }

    /// <summary>
    /// Records an ErrorResponse from the server and returns the gateway's error to send instead when the request it
    /// answers was refused by policy.
    /// </summary>
    public ErrorResponse? OnBackendError(bool fatal)
    {
        lock (_gate)
        {
            ErrorResponse? denial = null;
            if (_count > 0 && !fatal)
            {
                denial = _denials[_head];
                _denials[_head] = null;
            }

            OnBackendMessageLocked(BackendMessageCode.ErrorResponse, 0);
            return denial;
        }
    }


    /// <summary>Records a message the server sent (before it is forwarded).</summary>
    /// <param name="code">The message type.</param>
    /// <param name="transactionStatus">For ReadyForQuery, its status byte.</param>
    public void OnBackendMessage(BackendMessageCode code, byte transactionStatus = 0)
    {
        lock (_gate)
        {
            OnBackendMessageLocked(code, transactionStatus);
        }
    }

    private void OnFrontendMessageLocked(FrontendMessageCode code)
    {
        if (_skipUntilSync && code is not (FrontendMessageCode.Sync or FrontendMessageCode.Terminate))
        {
            if (ToPending(code) is { } skipped)
            {
                RequestCompleted?.Invoke(skipped, RequestOutcome.Skipped, _pendingTag);
            }

            return;
        }

        if (code is FrontendMessageCode.Sync or FrontendMessageCode.Terminate)
        {
            _skipUntilSync = false;
        }

        switch (code)
        {
            case FrontendMessageCode.Query:
                Enqueue(PendingKind.SimpleQuery);
                break;
            case FrontendMessageCode.Parse:
                Enqueue(PendingKind.Parse);
                break;
            case FrontendMessageCode.Bind:
                Enqueue(PendingKind.Bind);
                break;
            case FrontendMessageCode.Describe:
                Enqueue(PendingKind.Describe);
                break;
            case FrontendMessageCode.Execute:
                Enqueue(PendingKind.Execute);
                break;
            case FrontendMessageCode.Close:
                Enqueue(PendingKind.Close);
                break;
            case FrontendMessageCode.Sync:
                Enqueue(PendingKind.Sync);
                break;
            case FrontendMessageCode.FunctionCall:
                Enqueue(PendingKind.FunctionCall);
                break;
            case FrontendMessageCode.Terminate:
                Terminated = true;
                break;
            default:
                // Flush and Copy* need no answer of their own.
                break;
        }
    }

    private void OnBackendMessageLocked(BackendMessageCode code, byte transactionStatus)
    {
        switch (code)
        {
            case BackendMessageCode.ParseComplete:
                Complete(PendingKind.Parse);
                break;
            case BackendMessageCode.BindComplete:
                Complete(PendingKind.Bind);
                break;
            case BackendMessageCode.CloseComplete:
                Complete(PendingKind.Close);
                break;
            case BackendMessageCode.NoData:
            case BackendMessageCode.RowDescription when PeekIs(PendingKind.Describe):
                Complete(PendingKind.Describe);
                break;
            case BackendMessageCode.CommandComplete:
            case BackendMessageCode.EmptyQueryResponse:
                InCopy = false;
                if (PeekIs(PendingKind.SimpleQuery))
                {
                    StatementsCompleted++;
                }
                else
                {
                    StatementsCompleted++;
                    Complete(PendingKind.Execute);
                }

                break;
            case BackendMessageCode.PortalSuspended:
                Complete(PendingKind.Execute);
                break;
            case BackendMessageCode.CopyInResponse:
            case BackendMessageCode.CopyOutResponse:
            case BackendMessageCode.CopyBothResponse:
                InCopy = true;
                break;
            case BackendMessageCode.ErrorResponse:
                OnError();
                break;
            case BackendMessageCode.ReadyForQuery:
                OnReadyForQuery(transactionStatus);
                break;
            default:
                // DataRow, ParameterDescription, RowDescription of a query, FunctionCallResponse and the
                // asynchronous NoticeResponse, NotificationResponse and ParameterStatus pair with nothing.
                break;
        }
    }

    private void OnError()
    {
        InCopy = false;
        if (_count == 0)
        {
            // An error outside any request: a FATAL from an administrator's pg_terminate_backend, for example.
            return;
        }

        StatementsFailed++;
        PendingKind head = _queue[_head];
        if (head is PendingKind.SimpleQuery or PendingKind.FunctionCall)
        {
            // The rest of the query string is abandoned; ReadyForQuery still ends the request.
            _currentFailed = true;
            return;
        }

        if (head == PendingKind.Sync)
        {
            Anomalies++;
            return;
        }

        // Extended protocol: this request failed and the server discards everything up to Sync. When the failed request
        // carries no tag (a Bind or Describe of the statement an observer follows), the first tagged request skipped is
        // the statement that failed (its Execute), not one that merely did not run.
        bool claimed = IsStatement(_tags[_head]);
        Dequeue(RequestOutcome.Failed);
        while (_count > 0 && _queue[_head] != PendingKind.Sync)
        {
            bool tagged = IsStatement(_tags[_head]);
            Dequeue(!claimed && tagged ? RequestOutcome.Failed : RequestOutcome.Skipped);
            claimed |= tagged;
        }

        // No Sync sent yet: what the client sends next is discarded by the server until its Sync arrives.
        _skipUntilSync = _count == 0;
    }

    private void OnReadyForQuery(byte status)
    {
        InCopy = false;
        TransactionStatus = (TransactionStatus)status;
        if (_count == 0)
        {
            Anomalies++;
            return;
        }

        PendingKind head = _queue[_head];
        if (head is PendingKind.SimpleQuery or PendingKind.FunctionCall or PendingKind.Sync)
        {
            Dequeue(_currentFailed ? RequestOutcome.Failed : RequestOutcome.Completed);
        }
        else
        {
            // ReadyForQuery answers a Sync; anything before it that got no answer was skipped.
            while (_count > 0 && _queue[_head] != PendingKind.Sync)
            {
                Anomalies++;
                Dequeue(RequestOutcome.Skipped);
            }

            if (_count > 0)
            {
                Dequeue(RequestOutcome.Completed);
            }
        }
    }

    /// <summary>A tag that stands for an audited statement (not merely a Describe's plan slot).</summary>
    private static bool IsStatement(object? tag) => tag is HoopGate.Gateway.Interception.StatementContext { Audit: not null } || (tag is not null and not HoopGate.Gateway.Interception.StatementContext);

    private bool PeekIs(PendingKind kind) => _count > 0 && _queue[_head] == kind;

    private static PendingKind? ToPending(FrontendMessageCode code) => code switch
    {
        FrontendMessageCode.Query => PendingKind.SimpleQuery,
        FrontendMessageCode.Parse => PendingKind.Parse,
        FrontendMessageCode.Bind => PendingKind.Bind,
        FrontendMessageCode.Describe => PendingKind.Describe,
        FrontendMessageCode.Execute => PendingKind.Execute,
        FrontendMessageCode.Close => PendingKind.Close,
        FrontendMessageCode.FunctionCall => PendingKind.FunctionCall,
        _ => null,
    };

    private void Complete(PendingKind expected)
    {
        if (PeekIs(expected))
        {
            Dequeue(RequestOutcome.Completed);
        }
        else
        {
            Anomalies++;
        }
    }

    private void Enqueue(PendingKind kind)
    {
        if (_count == _queue.Length)
        {
            var larger = new PendingKind[_queue.Length * 2];
            var largerDenials = new ErrorResponse?[_queue.Length * 2];
            var largerTags = new object?[_queue.Length * 2];
            for (int i = 0; i < _count; i++)
            {
                larger[i] = _queue[(_head + i) % _queue.Length];
                largerDenials[i] = _denials[(_head + i) % _queue.Length];
                largerTags[i] = _tags[(_head + i) % _queue.Length];
            }

            _queue = larger;
            _denials = largerDenials;
            _tags = largerTags;
            _head = 0;
        }

        int tail = (_head + _count) % _queue.Length;
        _queue[tail] = kind;
        _denials[tail] = _pendingDenial;
        _tags[tail] = _pendingTag;
        _count++;
    }

    /// <summary>The session is over: every request still waiting for the server's answer ends unanswered.</summary>
    public void InterruptPending()
    {
        lock (_gate)
        {
            while (_count > 0)
            {
                Dequeue(RequestOutcome.Interrupted);
            }
        }
    }

    private void Dequeue(RequestOutcome outcome)
    {
        PendingKind kind = _queue[_head];
        object? tag = _tags[_head];
        _denials[_head] = null;
        _tags[_head] = null;
        _head = (_head + 1) % _queue.Length;
        _count--;
        _currentFailed = false;
        RequestCompleted?.Invoke(kind, outcome, tag);
    }
}
