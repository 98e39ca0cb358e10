using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HoopGate.Approvals;

/// <summary>
/// A session's way through a review. <b>Wait</b>: file the request, announce it, and hold until a decision arrives
/// (LISTEN/NOTIFY), the rule's timeout passes, or the client cancels; an approval is spent by the run it allows.
/// <b>Retry</b>: spend an unexpired approval of the same identity, database and exact SQL if there is one; otherwise
/// report the pending request, or file one. Whatever goes wrong with the store, the statement does not run.
/// </summary>
public sealed partial class ApprovalCoordinator
{
    private readonly ReviewStore _store;
    private readonly ReviewListener _listener;
    private readonly ReviewAnnouncer _announcer;
    private readonly ILogger<ApprovalCoordinator> _logger;

    /// <summary>Creates the coordinator.</summary>
    public ApprovalCoordinator(ReviewStore store, ReviewListener listener, ReviewAnnouncer announcer, IOptions<ApprovalOptions> options, ILogger<ApprovalCoordinator> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _listener = listener;
        _announcer = announcer;
        _logger = logger;
        DefaultApprovers = options.Value.ApproverGroups;
    }

    /// <summary>How many requests one identity may have pending at once (an inbox, a webhook and a pool are shared).</summary>
    public const int MaxPendingPerRequester = 20;

    /// <summary>Who decides requests of rules that name no approvers.</summary>
    public IReadOnlyList<string> DefaultApprovers { get; }

    /// <summary>Wait mode: holds until the request is decided, expires or is withdrawn (<paramref name="cancellationToken"/>).</summary>
    public async Task<ApprovalOutcome> WaitAsync(NewReviewRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ReviewRequest filed;
        try
        {
            if (await _store.FileAsync(request, MaxPendingPerRequester, cancellationToken) is not { } accepted)
            {
                return new ApprovalOutcome(ApprovalVerdict.TooManyPending, null);
            }

            filed = accepted;
        }
        catch (Exception ex) when (IsStoreFailure(ex) || ex is OperationCanceledException)
        {
            LogStoreFailed(ex.Message);
            return new ApprovalOutcome(cancellationToken.IsCancellationRequested ? ApprovalVerdict.Withdrawn : ApprovalVerdict.Unavailable, null);
        }

        LogFiled(filed.Id, filed.RequesterSubject, filed.Rule, "wait");
        _announcer.Announce(filed, "requested", filed.RequesterSubject);
        DateTimeOffset deadline = DateTimeOffset.UtcNow + request.Timeout;
        try
        {
            using ReviewListener.Subscription subscription = await _listener.SubscribeAsync(filed.Id, cancellationToken);
            while (true)
            {
                ReviewRequest current = await _store.GetAsync(filed.Id, CancellationToken.None) ?? filed;
                switch (current.Status)
                {
                    case ReviewStatus.Approved:
                        return await _store.ConsumeAsync(current.Id, current.RequesterSubject, request.SessionId, CancellationToken.None)
                            ? new ApprovalOutcome(ApprovalVerdict.Approved, current)
                            : new ApprovalOutcome(ApprovalVerdict.Expired, current);
                    case ReviewStatus.Denied:
                        return new ApprovalOutcome(ApprovalVerdict.Denied, current);
                    case ReviewStatus.Expired or ReviewStatus.Executed:
                        return new ApprovalOutcome(ApprovalVerdict.Expired, current);
                    case ReviewStatus.Withdrawn:
                        return new ApprovalOutcome(ApprovalVerdict.Withdrawn, current);
                }

                TimeSpan left = deadline - DateTimeOffset.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    if (await _store.CloseAsync(current.Id, ReviewStatus.Expired, "gateway", "not decided in time", CancellationToken.None))
                    {
                        _announcer.Announce(current, "expired", "gateway");
                        return new ApprovalOutcome(ApprovalVerdict.Expired, current with { Status = ReviewStatus.Expired });
                    }

                    continue; // decided at the last moment: read it again
                }

                await subscription.WaitAsync(left < ReviewListener.LookAgain ? left : ReviewListener.LookAgain, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return await WithdrawAsync(filed);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            LogStoreFailed(ex.Message);
            return new ApprovalOutcome(ApprovalVerdict.Unavailable, filed);
        }
    }

    /// <summary>Retry mode: runs once under an approval of exactly this statement, or says which request to wait for.</summary>
    public async Task<ApprovalOutcome> RetryAsync(NewReviewRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            ReviewRequest? latest = await _store.LatestAsync(request.RequesterSubject, request.Database, request.Sql, cancellationToken);
            switch (latest?.Status)
            {
                case ReviewStatus.Approved:
                    if (await _store.ConsumeAsync(latest.Id, request.RequesterSubject, request.SessionId, cancellationToken))
                    {
                        return new ApprovalOutcome(ApprovalVerdict.Approved, latest);
                    }

                    break; // spent or expired a moment ago: a new request follows
                case ReviewStatus.Pending:
                    return new ApprovalOutcome(ApprovalVerdict.Pending, latest);
            }

            if (await _store.FileAsync(request, MaxPendingPerRequester, cancellationToken) is not { } filed)
            {
                return new ApprovalOutcome(ApprovalVerdict.TooManyPending, null);
            }

            LogFiled(filed.Id, filed.RequesterSubject, filed.Rule, "retry");
            _announcer.Announce(filed, "requested", filed.RequesterSubject);
            return new ApprovalOutcome(ApprovalVerdict.Pending, filed, latest is { Status: ReviewStatus.Denied or ReviewStatus.Expired } ? latest : null);
        }
        catch (Exception ex) when (IsStoreFailure(ex) || ex is OperationCanceledException)
        {
            LogStoreFailed(ex.Message);
            return new ApprovalOutcome(ApprovalVerdict.Unavailable, null);
        }
    }

    private async Task<ApprovalOutcome> WithdrawAsync(ReviewRequest filed)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            // Approved as the client cancelled counts too: nobody will run it, so it must not stay usable.
            if (await _store.CloseAsync(filed.Id, ReviewStatus.Withdrawn, filed.RequesterSubject, "the client cancelled the statement", timeout.Token))
            {
                _announcer.Announce(filed, "withdrawn", filed.RequesterSubject);
            }
        }
        catch (Exception ex) when (IsStoreFailure(ex) || ex is OperationCanceledException)
        {
            LogStoreFailed(ex.Message);
        }

        return new ApprovalOutcome(ApprovalVerdict.Withdrawn, filed with { Status = ReviewStatus.Withdrawn });
    }

    private static bool IsStoreFailure(Exception ex) => ex is NpgsqlException or InvalidOperationException or IOException or TimeoutException;

    [LoggerMessage(EventId = 8003, Level = LogLevel.Information, Message = "Review request {RequestId} filed by {Subject} under rule {Rule} ({Mode} mode)")]
    private partial void LogFiled(long requestId, string subject, string rule, string mode);

    [LoggerMessage(EventId = 8004, Level = LogLevel.Warning, Message = "The approvals store failed ({Reason}); the statement does not run")]
    private partial void LogStoreFailed(string reason);
}
