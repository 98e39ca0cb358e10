namespace HoopGate.Approvals;

/// <summary>What a session files when policy holds its statement.</summary>
public sealed record NewReviewRequest : ReviewRequestContent
{
    /// <summary>How long it may stay pending.</summary>
    public required TimeSpan Timeout { get; init; }

    /// <summary>How long an approval may wait to be used (retry mode).</summary>
    public required TimeSpan Validity { get; init; }
}
