namespace HoopGate.Approvals;

/// <summary>A statement held for approval, as the store has it.</summary>
public sealed record ReviewRequest : ReviewRequestContent
{
    /// <summary>The request's number, which clients and approvers quote.</summary>
    public required long Id { get; init; }

    /// <summary>When it was filed.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>SHA-256 of the SQL's UTF-8 bytes, lowercase hex: an approval is bound to exactly this text.</summary>
    public required string SqlHash { get; init; }

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
