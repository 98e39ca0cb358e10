namespace HoopGate.Approvals;

/// <summary>What a review request says about the statement held and who holds it: filed as it is, stored with more.</summary>
public abstract record ReviewRequestContent
{
    /// <summary>The gateway instance that filed it.</summary>
    public required Guid InstanceId { get; init; }

    /// <summary>The session (its audit trail id) that filed it.</summary>
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

    /// <summary>libpg_query's fingerprint of the SQL.</summary>
    public string? Fingerprint { get; init; }

    /// <summary>The guardrail that asked for review.</summary>
    public required string Rule { get; init; }

    /// <summary>The guardrail's reason.</summary>
    public required string Reason { get; init; }

    /// <summary>Why the requester needs it, in their words.</summary>
    public string? Justification { get; init; }

    /// <summary>Wait mode (the session holds the statement) or retry mode.</summary>
    public required bool Waiting { get; init; }

    /// <summary>Who may decide; never empty.</summary>
    public required IReadOnlyList<string> ApproverGroups { get; init; }

    /// <summary>How many distinct approvers must approve.</summary>
    public required int ApprovalsRequired { get; init; }
}
