using System.Net.Http.Json;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HoopGate.Approvals;

/// <summary>
/// Announces new requests and decisions to the configured webhook: a JSON POST whose <c>text</c> is Slack-compatible
/// and whose <c>request</c> carries the details. The SQL and the requester's justification are left out (both are the
/// requester's free text and can hold patient data; chat rooms are not audit stores): approvers read them in the inbox. Announcements queue (bounded) and are sent in the background,
/// so a slow or failing webhook never delays a session or a decision; failures are logged.
/// </summary>
public sealed partial class ReviewAnnouncer : BackgroundService
{
    private readonly Channel<object> _queue = Channel.CreateBounded<object>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ApprovalOptions _options;
    private readonly HttpClient _http;
    private readonly ILogger<ReviewAnnouncer> _logger;

    /// <summary>Creates the announcer.</summary>
    public ReviewAnnouncer(IOptions<ApprovalOptions> options, ILogger<ReviewAnnouncer> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = logger;
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(Math.Max(1, _options.WebhookTimeoutSeconds)) };
    }

    /// <summary>True when a webhook is configured.</summary>
    public bool Enabled => !string.IsNullOrEmpty(_options.WebhookUrl);

    /// <summary>Queues an announcement of <paramref name="request"/>'s <paramref name="step"/> (requested, approved, denied…).</summary>
    public void Announce(ReviewRequest request, string step, string actor, string? comment = null)
    {
        if (Enabled && !_queue.Writer.TryWrite(Payload(request, step, actor, comment)))
        {
            LogDropped(request.Id);
        }
    }

    /// <summary>Sends one announcement now (the CLI, which has no background); false when it failed.</summary>
    public async Task<bool> SendAsync(ReviewRequest request, string step, string actor, string? comment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return !Enabled || await PostAsync(Payload(request, step, actor, comment), cancellationToken);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (object payload in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                await PostAsync(payload, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; what is queued is not sent (the store has every step).
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    private async Task<bool> PostAsync(object payload, CancellationToken cancellationToken)
    {
        try
        {
            using HttpResponseMessage response = await _http.PostAsJsonAsync(_options.WebhookUrl, payload, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return true;
            }

            LogWebhookFailed("HTTP " + (int)response.StatusCode);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return false;
            }

            LogWebhookFailed(ex is TaskCanceledException ? "timed out" : ex.Message);
        }

        return false;
    }

    private object Payload(ReviewRequest request, string step, string actor, string? comment)
    {
        string who = request.RequesterEmail ?? request.RequesterSubject;
        var text = new StringBuilder("HoopGate: ");
        switch (step)
        {
            case "requested":
                text.Append("request ").Append(request.Id).Append(" by ").Append(who).Append(" on database ").Append(request.Database)
                    .Append(" needs approval (rule ").Append(request.Rule).Append(": ").Append(request.Reason).Append(')');
                text.Append(". Decide with `hoopgate approvals show ").Append(request.Id).Append('`');
                if (_options.InboxUrl is { Length: > 0 } inbox)
                {
                    text.Append(" or at ").Append(inbox);
                }

                break;
            default:
                text.Append("request ").Append(request.Id).Append(" by ").Append(who).Append(" on database ").Append(request.Database)
                    .Append(" was ").Append(step).Append(" by ").Append(actor);
                if (comment is { Length: > 0 })
                {
                    text.Append(": ").Append(comment);
                }

                break;
        }

        return new
        {
            text = text.ToString(),
            @event = step,
            actor,
            comment,
            request = new
            {
                id = request.Id,
                status = ReviewStore.Name(request.Status),
                requester = request.RequesterSubject,
                requester_email = request.RequesterEmail,
                database = request.Database,
                rule = request.Rule,
                reason = request.Reason,
                has_justification = request.Justification is { Length: > 0 },
                fingerprint = request.Fingerprint,
                mode = request.Waiting ? "wait" : "retry",
                approver_groups = request.ApproverGroups,
                approvals_required = request.ApprovalsRequired,
                created_at = request.CreatedAt,
                expires_at = request.ExpiresAt,
            },
        };
    }

    [LoggerMessage(EventId = 8001, Level = LogLevel.Warning, Message = "The approvals webhook failed ({Reason}); the decision stands, only its announcement is lost")]
    private partial void LogWebhookFailed(string reason);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Warning, Message = "Announcement of request {RequestId} dropped: the webhook queue is full")]
    private partial void LogDropped(long requestId);
}
