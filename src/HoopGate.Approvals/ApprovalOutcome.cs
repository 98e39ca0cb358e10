namespace HoopGate.Approvals;

/// <summary>The end of a review as a session sees it.</summary>
/// <param name="Verdict">What the session may do.</param>
/// <param name="Request">The request decided (or filed); null when none could be.</param>
/// <param name="Previous">Retry mode: an earlier request for the same statement that was denied or expired, when a new one was filed after it.</param>
public sealed record ApprovalOutcome(ApprovalVerdict Verdict, ReviewRequest? Request, ReviewRequest? Previous = null);
