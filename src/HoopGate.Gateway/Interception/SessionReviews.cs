using System.Globalization;
using HoopGate.Approvals;
using HoopGate.Gateway.Authentication;
using HoopGate.Policy;
using HoopGate.Protocol.Backend;
using HoopGate.Protocol.Errors;

namespace HoopGate.Gateway.Interception;

/// <summary>
/// One session's reviews. The client→server relay stops at a Query or Parse that policy holds (<see cref="Held"/>,
/// left unconsumed), the pump awaits <see cref="ResolveAsync"/> — filing the request, and in wait mode holding until it
/// is decided — and then relays the same message again, which now finds its outcome (<see cref="TakeOutcome"/>). A
/// CancelRequest for the session, the client going away, or the session ending withdraws a request being waited on.
/// </summary>
internal sealed class SessionReviews
{
    private readonly ApprovalCoordinator _coordinator;
    private readonly GatewayIdentity _identity;
    private readonly string _database;
    private readonly Guid _instanceId;
    private readonly Guid _sessionId;
    private readonly Func<bool> _clientGone;
    private CancellationTokenSource? _waiting;
    private volatile bool _ended;
    private (byte Code, string Sql, ApprovalOutcome Outcome)? _resolved;

    public SessionReviews(ApprovalCoordinator coordinator, GatewayIdentity identity, string database, Guid instanceId, Guid sessionId, Func<bool> clientGone)
    {
        _coordinator = coordinator;
        _identity = identity;
        _database = database;
        _instanceId = instanceId;
        _sessionId = sessionId;
        _clientGone = clientGone;
    }

    /// <summary>The statement the relay stopped at, until <see cref="ResolveAsync"/> takes it.</summary>
    public HeldStatement? Held { get; set; }

    /// <summary>The session's <c>SET hoopgate.justification</c>, used when a held statement carries no comment of its own.</summary>
    public string? SessionJustification { get; set; }

    /// <summary>A CancelRequest for this session: withdraws the request being waited on. True when there was one.</summary>
    public bool CancelWaiting()
    {
        CancellationTokenSource? waiting = Volatile.Read(ref _waiting);
        if (waiting is null)
        {
            return false;
        }

        try
        {
            waiting.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The wait ended as the cancel came.
        }

        return true;
    }

    /// <summary>The session ends: a wait in progress (or about to start) is withdrawn.</summary>
    public void End()
    {
        _ended = true;
        CancelWaiting();
    }

    /// <summary>Files the held statement's request and, in wait mode, waits for its outcome.</summary>
    public async Task ResolveAsync()
    {
        HeldStatement held = Held ?? throw new InvalidOperationException("no statement is held");
        Held = null;
        ReviewSettings settings = held.Decision.ReviewSettings ?? ReviewSettings.Default;
        string? justification = Justification.InComment(held.Sql) ?? SessionJustification;
        ApprovalOutcome outcome;
        if (settings.RequireJustification && justification is null)
        {
            outcome = new ApprovalOutcome(ApprovalVerdict.NeedsJustification, null);
        }
        else
        {
            var request = new NewReviewRequest
            {
                InstanceId = _instanceId,
                SessionId = _sessionId,
                RequesterSubject = _identity.Subject,
                RequesterEmail = _identity.Email,
                RequesterGroups = _identity.Groups,
                Database = _database,
                Sql = held.Sql,
                Fingerprint = held.Analysis.Fingerprint,
                Rule = held.Decision.Rule ?? "review",
                Reason = held.Decision.Reason,
                Justification = justification,
                Waiting = settings.Mode == ReviewMode.Wait,
                ApproverGroups = settings.Approvers.Count > 0 ? settings.Approvers : _coordinator.DefaultApprovers,
                ApprovalsRequired = settings.Approvals,
                Timeout = settings.Timeout,
                Validity = settings.Validity,
            };
            if (settings.Mode == ReviewMode.Retry)
            {
                outcome = await _coordinator.RetryAsync(request, CancellationToken.None);
            }
            else
            {
                using var waiting = new CancellationTokenSource();
                Volatile.Write(ref _waiting, waiting);
                if (_ended)
                {
                    await waiting.CancelAsync();
                }

                // The client is not read while it waits; a closed connection is noticed by looking at the socket.
                await using var watch = new Timer(_ => { if (_clientGone()) { CancelWaiting(); } }, null, 500, 500);
                try
                {
                    outcome = await _coordinator.WaitAsync(request, waiting.Token);
                }
                finally
                {
                    Volatile.Write(ref _waiting, null);
                }
            }
        }

        _resolved = (held.Code, held.Sql, outcome);
    }

    /// <summary>The outcome waiting for this message, if it is the one that was held; taken once.</summary>
    public ApprovalOutcome? TakeOutcome(byte code, string sql)
    {
        if (_resolved is { } resolved && resolved.Code == code && string.Equals(resolved.Sql, sql, StringComparison.Ordinal))
        {
            _resolved = null;
            return resolved.Outcome;
        }

        _resolved = null;
        return null;
    }

    /// <summary>The decision recorded for a statement that runs under an approval.</summary>
    public static PolicyDecision Approved(PolicyDecision review, long request) =>
        new(PolicyAction.Allow, review.Rule, "approved in review request " + request.ToString(CultureInfo.InvariantCulture), "00000");

    /// <summary>What the client is told, and the audit trail records, when a held statement does not run.</summary>
    public static (ErrorResponse Error, PolicyDecision Decision) Refusal(PolicyDecision review, ApprovalOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(review);
        ArgumentNullException.ThrowIfNull(outcome);
        ReviewSettings settings = review.ReviewSettings ?? ReviewSettings.Default;
        string rule = "policy rule \"" + review.Rule + "\"";
        string id = outcome.Request?.Id.ToString(CultureInfo.InvariantCulture) ?? "?";
        string sqlState = SqlState.InsufficientPrivilege;
        string message;
        string? detail = null;
        string? hint = null;
        switch (outcome.Verdict)
        {
            case ApprovalVerdict.Pending:
                message = "statement requires approval under " + rule + ": " + review.Reason;
                detail = outcome.Previous is { } previous
                    ? "Review request " + previous.Id.ToString(CultureInfo.InvariantCulture) + " for this statement was " + ReviewStore.Name(previous.Status)
                      + (previous.DecidedBy is { } by && previous.Status == ReviewStatus.Denied ? " by " + by : "")
                      + (previous.DecisionComment is { Length: > 0 } said ? " (\"" + said + "\")" : "")
                      + "; review request " + id + " is now pending."
                    : "Review request " + id + " is pending.";
                hint = "Once an approver approves request " + id + ", run exactly the same statement again within "
                    + Describe(settings.Validity) + "; it runs once.";
                break;
            case ApprovalVerdict.Denied:
                message = "statement denied by approver " + (outcome.Request?.DecidedBy ?? "?") + " (review request " + id + ", " + rule + ")";
                detail = outcome.Request?.DecisionComment is { Length: > 0 } comment ? "Approver's comment: " + comment : null;
                break;
            case ApprovalVerdict.Expired:
                message = "review request " + id + " expired: nobody decided within " + Describe(settings.Timeout) + " (" + rule + ")";
                hint = "run the statement again to file a new request";
                break;
            case ApprovalVerdict.Withdrawn:
                sqlState = SqlState.QueryCanceled;
                message = "canceling statement due to user request";
                detail = outcome.Request is null ? null : "Review request " + id + " was withdrawn.";
                break;
            case ApprovalVerdict.TooManyPending:
                message = "statement requires approval under " + rule + ", and you already have "
                    + ApprovalCoordinator.MaxPendingPerRequester.ToString(CultureInfo.InvariantCulture) + " review requests pending";
                hint = "wait for approvers to decide them (they expire on their own)";
                break;
            case ApprovalVerdict.NeedsJustification:
                message = "statement requires approval under " + rule + ", and the rule requires a justification";
                hint = "add a comment such as /* justification: why this is needed */ to the statement, or SET " + Justification.SettingName + " = '…' first";
                break;
            default:
                message = "statement requires approval under " + rule + ", but the approvals store cannot be reached; it does not run";
                hint = "try again later; the gateway log says why";
                break;
        }

        ErrorResponse error = ErrorResponse.Create(ErrorResponse.Error, sqlState, message, detail: detail, hint: hint);
        var decision = new PolicyDecision(PolicyAction.Review, review.Rule, message, sqlState) { ReviewSettings = review.ReviewSettings };
        return (error, decision);
    }

    private static string Describe(TimeSpan span) =>
        span.TotalDays >= 1 && span.TotalDays == Math.Floor(span.TotalDays) ? span.TotalDays.ToString(CultureInfo.InvariantCulture) + "d"
        : span.TotalHours >= 1 && span.TotalHours == Math.Floor(span.TotalHours) ? span.TotalHours.ToString(CultureInfo.InvariantCulture) + "h"
        : span.TotalMinutes >= 1 && span.TotalMinutes == Math.Floor(span.TotalMinutes) ? span.TotalMinutes.ToString(CultureInfo.InvariantCulture) + "m"
        : Math.Ceiling(span.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s";
}
