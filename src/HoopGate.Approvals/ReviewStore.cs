using System.Security.Cryptography;
using System.Text;
using HoopGate.Audit;
using Npgsql;
using NpgsqlTypes;

namespace HoopGate.Approvals;

/// <summary>
/// Review requests in the audit store's database (<c>hoopgate_audit.review_requests</c> and the append-only
/// <c>review_events</c>), shared by every gateway instance. Every change is one transaction that records its step and
/// notifies <see cref="Channel"/> with the request's id, so that the waiting session and every inbox hear of it at
/// once. Requests past their deadline are marked expired by whoever looks at them next.
/// </summary>
public sealed class ReviewStore
{
    /// <summary>The LISTEN/NOTIFY channel; the payload is the request id.</summary>
    public const string Channel = "hoopgate_reviews";

    private const string Columns =
        "id, created_at, instance_id, session_id, requester_subject, requester_email, requester_groups, database, sql, "
        + "encode(sql_hash, 'hex'), fingerprint, rule, reason, justification, mode, approver_groups, approvals_required, approvals, "
        + "status, expires_at, decided_by, decided_at, decision_comment, executed_at, executed_session_id";

    // Marks overdue requests expired (one key's, or all), with their trail step and a notification.
    private const string ExpireOverdue = """
        WITH expired AS (
            UPDATE hoopgate_audit.review_requests SET status = 'expired'
            WHERE status IN ('pending', 'approved') AND expires_at <= now() {0}
            RETURNING id, decided_at),
        steps AS (
            INSERT INTO hoopgate_audit.review_events (request_id, event, actor, comment)
            SELECT id, 'expired', 'gateway', CASE WHEN decided_at IS NULL THEN 'not decided in time' ELSE 'approval not used in time' END
            FROM expired)
        SELECT count(pg_notify('hoopgate_reviews', id::text)) FROM expired
        """;

    private static readonly System.Text.CompositeFormat s_expireOverdue = System.Text.CompositeFormat.Parse(ExpireOverdue);

    private readonly AuditStore _store;

    /// <summary>Creates the store over the audit store's connections.</summary>
    public ReviewStore(AuditStore store)
    {
        _store = store;
    }

    /// <summary>SHA-256 of the SQL's UTF-8 bytes, the key an approval is bound to.</summary>
    public static byte[] HashSql(string sql) => SHA256.HashData(Encoding.UTF8.GetBytes(sql));

    /// <summary>Files a new pending request; null when its requester already has <paramref name="maxPending"/> pending.</summary>
    public async Task<ReviewRequest?> FileAsync(NewReviewRequest request, int maxPending, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await using NpgsqlConnection connection = await _store.OpenAsync(cancellationToken);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var pending = new NpgsqlCommand(
            "SELECT count(*) FROM hoopgate_audit.review_requests WHERE requester_subject = $1 AND status = 'pending' AND expires_at > now()",
            connection,
            transaction))
        {
            pending.Parameters.Add(new NpgsqlParameter { Value = request.RequesterSubject });
            if ((long)(await pending.ExecuteScalarAsync(cancellationToken))! >= maxPending)
            {
                return null;
            }
        }

        ReviewRequest filed;
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO hoopgate_audit.review_requests (instance_id, session_id, requester_subject, requester_email, requester_groups, "
            + "database, sql, sql_hash, fingerprint, rule, reason, justification, mode, approver_groups, approvals_required, expires_at, validity) "
            + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, now() + $16, $17) RETURNING " + Columns,
            connection,
            transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = request.InstanceId });
            insert.Parameters.Add(new NpgsqlParameter { Value = request.SessionId });
            insert.Parameters.Add(new NpgsqlParameter { Value = request.RequesterSubject });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)request.RequesterEmail ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            insert.Parameters.Add(new NpgsqlParameter { Value = request.RequesterGroups.ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = request.Database });
            insert.Parameters.Add(new NpgsqlParameter { Value = request.Sql });
            insert.Parameters.Add(new NpgsqlParameter { Value = HashSql(request.Sql) });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)request.Fingerprint ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            insert.Parameters.Add(new NpgsqlParameter { Value = request.Rule });
            insert.Parameters.Add(new NpgsqlParameter { Value = request.Reason });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)request.Justification ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            insert.Parameters.Add(new NpgsqlParameter { Value = request.Waiting ? "wait" : "retry" });
            insert.Parameters.Add(new NpgsqlParameter { Value = request.ApproverGroups.ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = request.ApprovalsRequired });
            insert.Parameters.Add(new NpgsqlParameter { Value = request.Timeout });
            insert.Parameters.Add(new NpgsqlParameter { Value = request.Validity });
            filed = (await ReadAllAsync(insert, cancellationToken))[0];
        }

        await StepAsync(connection, transaction, filed.Id, "requested", request.RequesterSubject, request.Justification, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return filed;
    }

    /// <summary>One request, or null.</summary>
    public async Task<ReviewRequest?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _store.OpenAsync(cancellationToken);
        await ExpireAsync(connection, "AND id = $1", id, cancellationToken);
        await using var select = new NpgsqlCommand("SELECT " + Columns + " FROM hoopgate_audit.review_requests WHERE id = $1", connection);
        select.Parameters.Add(new NpgsqlParameter { Value = id });
        IReadOnlyList<ReviewRequest> found = await ReadAllAsync(select, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>The newest request of one identity for exactly this SQL on this database (retry mode's lookup), or null.</summary>
    public async Task<ReviewRequest?> LatestAsync(string subject, string database, string sql, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _store.OpenAsync(cancellationToken);
        byte[] hash = HashSql(sql);
        await using (var expire = new NpgsqlCommand(string.Format(System.Globalization.CultureInfo.InvariantCulture, s_expireOverdue, "AND requester_subject = $1 AND database = $2 AND sql_hash = $3"), connection))
        {
            expire.Parameters.Add(new NpgsqlParameter { Value = subject });
            expire.Parameters.Add(new NpgsqlParameter { Value = database });
            expire.Parameters.Add(new NpgsqlParameter { Value = hash });
            await expire.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var select = new NpgsqlCommand(
            "SELECT " + Columns + " FROM hoopgate_audit.review_requests WHERE requester_subject = $1 AND database = $2 AND sql_hash = $3 ORDER BY id DESC LIMIT 1",
            connection);
        select.Parameters.Add(new NpgsqlParameter { Value = subject });
        select.Parameters.Add(new NpgsqlParameter { Value = database });
        select.Parameters.Add(new NpgsqlParameter { Value = hash });
        IReadOnlyList<ReviewRequest> found = await ReadAllAsync(select, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>
    /// How many review events there are (filings, approvals, decisions, expiries…): it grows with every change of any
    /// request, so a page that read it before listing can tell later whether it missed one.
    /// </summary>
    public async Task<long> ChangeCountAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _store.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM hoopgate_audit.review_events", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Requests, newest first; only those with <paramref name="status"/> when given.</summary>
    public async Task<IReadOnlyList<ReviewRequest>> ListAsync(ReviewStatus? status, int limit, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _store.OpenAsync(cancellationToken);
        await ExpireAsync(connection, "", null, cancellationToken);
        await using var select = new NpgsqlCommand(
            "SELECT " + Columns + " FROM hoopgate_audit.review_requests WHERE ($1::text IS NULL OR status = $1) ORDER BY id DESC LIMIT $2",
            connection);
        select.Parameters.Add(new NpgsqlParameter { Value = status is { } s ? Name(s) : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        select.Parameters.Add(new NpgsqlParameter { Value = Math.Clamp(limit, 1, 1000) });
        return await ReadAllAsync(select, cancellationToken);
    }

    /// <summary>A request's trail, oldest step first.</summary>
    public async Task<IReadOnlyList<ReviewEvent>> EventsAsync(long id, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _store.OpenAsync(cancellationToken);
        await using var select = new NpgsqlCommand(
            "SELECT occurred_at, event, actor, comment FROM hoopgate_audit.review_events WHERE request_id = $1 ORDER BY occurred_at, event", connection);
        select.Parameters.Add(new NpgsqlParameter { Value = id });
        var events = new List<ReviewEvent>();
        await using NpgsqlDataReader reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new ReviewEvent(reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        return events;
    }

    /// <summary>
    /// An approver's decision. Requesters cannot decide their own requests, approvers must be in one of the request's
    /// approver groups, one denial denies, and the request is approved when enough distinct approvers said yes; an
    /// approval is then valid for the request's validity.
    /// </summary>
    public async Task<(DecisionResult Result, ReviewRequest? Request)> DecideAsync(
        long id, Approver approver, bool approve, string? comment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(approver);
        await using NpgsqlConnection connection = await _store.OpenAsync(cancellationToken);
        await ExpireAsync(connection, "AND id = $1", id, cancellationToken);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        ReviewRequest? request;
        await using (var select = new NpgsqlCommand("SELECT " + Columns + " FROM hoopgate_audit.review_requests WHERE id = $1 FOR UPDATE", connection, transaction))
        {
            select.Parameters.Add(new NpgsqlParameter { Value = id });
            IReadOnlyList<ReviewRequest> found = await ReadAllAsync(select, cancellationToken);
            request = found.Count == 0 ? null : found[0];
        }

        if (request is null)
        {
            return (DecisionResult.NotFound, null);
        }

        if (!approver.Groups.Any(g => request.ApproverGroups.Contains(g, StringComparer.Ordinal)))
        {
            return (DecisionResult.NotAnApprover, request);
        }

        if (string.Equals(request.RequesterSubject, approver.Subject, StringComparison.Ordinal))
        {
            return (DecisionResult.SelfApproval, request);
        }

        if (request.Status != ReviewStatus.Pending)
        {
            return (DecisionResult.NotPending, request);
        }

        if (approve)
        {
            await using var already = new NpgsqlCommand(
                "SELECT count(*) FROM hoopgate_audit.review_events WHERE request_id = $1 AND event = 'approved' AND actor = $2", connection, transaction);
            already.Parameters.Add(new NpgsqlParameter { Value = id });
            already.Parameters.Add(new NpgsqlParameter { Value = approver.Subject });
            if ((long)(await already.ExecuteScalarAsync(cancellationToken))! > 0)
            {
                return (DecisionResult.AlreadyApproved, request);
            }
        }

        bool complete = !approve || request.Approvals + 1 >= request.ApprovalsRequired;
        string update = !approve
            ? "UPDATE hoopgate_audit.review_requests SET status = 'denied', decided_by = $2, decided_at = now(), decision_comment = $3 WHERE id = $1"
            : complete
                ? "UPDATE hoopgate_audit.review_requests SET status = 'approved', approvals = approvals + 1, decided_by = $2, decided_at = now(), "
                  + "decision_comment = $3, expires_at = now() + validity WHERE id = $1"
                : "UPDATE hoopgate_audit.review_requests SET approvals = approvals + 1 WHERE id = $1";
        await using (var change = new NpgsqlCommand(update, connection, transaction))
        {
            change.Parameters.Add(new NpgsqlParameter { Value = id });
            if (complete)
            {
                change.Parameters.Add(new NpgsqlParameter { Value = approver.Subject });
                change.Parameters.Add(new NpgsqlParameter { Value = (object?)comment ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            }

            await change.ExecuteNonQueryAsync(cancellationToken);
        }

        await StepAsync(connection, transaction, id, approve ? "approved" : "denied", approver.Subject, comment, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await using var reread = new NpgsqlCommand("SELECT " + Columns + " FROM hoopgate_audit.review_requests WHERE id = $1", connection);
        reread.Parameters.Add(new NpgsqlParameter { Value = id });
        return (complete ? DecisionResult.Decided : DecisionResult.NeedsMoreApprovals, (await ReadAllAsync(reread, cancellationToken))[0]);
    }

    /// <summary>
    /// Spends an approval: the request must be approved, unexpired and the requester's own. True once; every later call
    /// (or one racing it) gets false.
    /// </summary>
    public async Task<bool> ConsumeAsync(long id, string subject, Guid sessionId, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _store.OpenAsync(cancellationToken);
        await using var consume = new NpgsqlCommand(
            """
            WITH used AS (
                UPDATE hoopgate_audit.review_requests SET status = 'executed', executed_at = now(), executed_session_id = $3
                WHERE id = $1 AND requester_subject = $2 AND status = 'approved' AND expires_at > now()
                RETURNING id),
            steps AS (
                INSERT INTO hoopgate_audit.review_events (request_id, event, actor) SELECT id, 'executed', $2 FROM used)
            SELECT count(pg_notify('hoopgate_reviews', id::text)) FROM used
            """,
            connection);
        consume.Parameters.Add(new NpgsqlParameter { Value = id });
        consume.Parameters.Add(new NpgsqlParameter { Value = subject });
        consume.Parameters.Add(new NpgsqlParameter { Value = sessionId });
        return (long)(await consume.ExecuteScalarAsync(cancellationToken))! == 1;
    }

    /// <summary>
    /// Ends a request unrun: a pending one expires or is withdrawn; an approved one can still be withdrawn (its requester
    /// gave up). False when it was in neither state.
    /// </summary>
    public async Task<bool> CloseAsync(long id, ReviewStatus status, string actor, string comment, CancellationToken cancellationToken)
    {
        if (status is not (ReviewStatus.Expired or ReviewStatus.Withdrawn))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "only expiry and withdrawal close a request undecided");
        }

        await using NpgsqlConnection connection = await _store.OpenAsync(cancellationToken);
        await using var close = new NpgsqlCommand(
            """
            WITH closed AS (
                UPDATE hoopgate_audit.review_requests SET status = $2
                WHERE id = $1 AND (status = 'pending' OR ($2 = 'withdrawn' AND status = 'approved')) RETURNING id),
            steps AS (
                INSERT INTO hoopgate_audit.review_events (request_id, event, actor, comment) SELECT id, $2, $3, $4 FROM closed)
            SELECT count(pg_notify('hoopgate_reviews', id::text)) FROM closed
            """,
            connection);
        close.Parameters.Add(new NpgsqlParameter { Value = id });
        close.Parameters.Add(new NpgsqlParameter { Value = Name(status) });
        close.Parameters.Add(new NpgsqlParameter { Value = actor });
        close.Parameters.Add(new NpgsqlParameter { Value = comment });
        return (long)(await close.ExecuteScalarAsync(cancellationToken))! == 1;
    }

    /// <summary>The status as the store spells it.</summary>
    public static string Name(ReviewStatus status) => status switch
    {
        ReviewStatus.Pending => "pending",
        ReviewStatus.Approved => "approved",
        ReviewStatus.Denied => "denied",
        ReviewStatus.Expired => "expired",
        ReviewStatus.Withdrawn => "withdrawn",
        _ => "executed",
    };

    /// <summary>Reads a status as the store spells it.</summary>
    public static bool TryParse(string text, out ReviewStatus status)
    {
        foreach (ReviewStatus candidate in Enum.GetValues<ReviewStatus>())
        {
            if (string.Equals(Name(candidate), text, StringComparison.OrdinalIgnoreCase))
            {
                status = candidate;
                return true;
            }
        }

        status = default;
        return false;
    }

    private static async Task ExpireAsync(NpgsqlConnection connection, string filter, long? id, CancellationToken cancellationToken)
    {
        await using var expire = new NpgsqlCommand(string.Format(System.Globalization.CultureInfo.InvariantCulture, s_expireOverdue, filter), connection);
        if (id is { } value)
        {
            expire.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        await expire.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task StepAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long id, string step, string actor, string? comment, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand(
            "WITH step AS (INSERT INTO hoopgate_audit.review_events (request_id, event, actor, comment) VALUES ($1, $2, $3, $4) RETURNING request_id) "
            + "SELECT pg_notify('hoopgate_reviews', request_id::text) FROM step",
            connection,
            transaction);
        insert.Parameters.Add(new NpgsqlParameter { Value = id });
        insert.Parameters.Add(new NpgsqlParameter { Value = step });
        insert.Parameters.Add(new NpgsqlParameter { Value = actor });
        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)comment ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<IReadOnlyList<ReviewRequest>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var requests = new List<ReviewRequest>();
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            requests.Add(new ReviewRequest
            {
                Id = reader.GetInt64(0),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(1),
                InstanceId = reader.GetGuid(2),
                SessionId = reader.GetGuid(3),
                RequesterSubject = reader.GetString(4),
                RequesterEmail = reader.IsDBNull(5) ? null : reader.GetString(5),
                RequesterGroups = reader.GetFieldValue<string[]>(6),
                Database = reader.GetString(7),
                Sql = reader.GetString(8),
                SqlHash = reader.GetString(9),
                Fingerprint = reader.IsDBNull(10) ? null : reader.GetString(10),
                Rule = reader.GetString(11),
                Reason = reader.GetString(12),
                Justification = reader.IsDBNull(13) ? null : reader.GetString(13),
                Waiting = reader.GetString(14) == "wait",
                ApproverGroups = reader.GetFieldValue<string[]>(15),
                ApprovalsRequired = reader.GetInt32(16),
                Approvals = reader.GetInt32(17),
                Status = TryParse(reader.GetString(18), out ReviewStatus status) ? status : ReviewStatus.Expired,
                ExpiresAt = reader.GetFieldValue<DateTimeOffset>(19),
                DecidedBy = reader.IsDBNull(20) ? null : reader.GetString(20),
                DecidedAt = reader.IsDBNull(21) ? null : reader.GetFieldValue<DateTimeOffset>(21),
                DecisionComment = reader.IsDBNull(22) ? null : reader.GetString(22),
                ExecutedAt = reader.IsDBNull(23) ? null : reader.GetFieldValue<DateTimeOffset>(23),
                ExecutedSessionId = reader.IsDBNull(24) ? null : reader.GetGuid(24),
            });
        }

        return requests;
    }
}
