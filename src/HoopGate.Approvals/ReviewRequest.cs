namespace HoopGate.Approvals;

/// <summary>A statement held for approval, as the store has it.</summary>
public sealed record ReviewRequest
{
    /// <summary>The request's number, which clients and approvers quote.</summary>
    public required long Id { get; init; }

    /// <summary>When it was filed.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The gateway instance that filed it.</summary>
    public required Guid InstanceId { get; init; }

    /// <summary>The session (audit trail) that filed it.</summary>
    public required Guid SessionId { get; init; }

    /// <summary>The requester's subject.</summary>
    public required string RequesterSubject { get; init; }

    /// <summary>The requester's e-mail, when the token carries one.</summary>
    public string? RequesterEmail { get; init; }

    /// <summary>The requester's groups.</summary>
    public required IReadOnlyList<string> RequesterGroups { get; init; }

    /// <summary>The database the statement is for.</summary>
    public required string Database { get; init; }

    /// <summary>The SQL exactly as sent.</summary>
    public required string Sql { get; init; }

    /// <summary>SHA-256 of the SQL's UTF-8 bytes, lowercase hex: an approval is bound to exactly this text.</summary>
    public required string SqlHash { get; init; }

    /// <summary>libpg_query's fingerprint of the SQL.</summary>
    public string? Fingerprint { get; init; }

    /// <summary>The guardrail that asked for review, and its reason.</summary>
    public required string Rule { get; init; }

    /// <summary>The guardrail's reason.</summary>
    public required string Reason { get; init; }

    /// <summary>Why the requester needs it, in their words.</summary>
    public string? Justification { get; init; }

    /// <summary>True when the requester's session holds the statement (wait mode), false for retry mode.</summary>
    public required bool Waiting { get; init; }

    /// <summary>Groups whose members may decide; any one suffices.</summary>
    public required IReadOnlyList<string> ApproverGroups { get; init; }

    /// <summary>How many distinct approvers must approve.</summary>
    public required int ApprovalsRequired { get; init; }

    /// <summary>Approvals recorded so far.</summary>
    public required int Approvals { get; init; }

    /// <summary>Where it stands.</summary>
    public required ReviewStatus Status { get; init; }

    /// <summary>While pending: when it expires undecided. Once approved: until when it may be run.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Who decided (the last approver, or the one who denied).</summary>
    public string? DecidedBy { get; init; }

    /// <summary>When it was decided.</summary>
    public DateTimeOffset? DecidedAt { get; init; }

    /// <summary>The decider's comment.</summary>
    public string? DecisionComment { get; init; }

    /// <summary>When the approved statement ran.</summary>
    public DateTimeOffset? ExecutedAt { get; init; }

    /// <summary>The session whose statement record ran under this approval (its record names this request).</summary>
    public Guid? ExecutedSessionId { get; init; }
}
