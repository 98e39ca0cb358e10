namespace HoopGate.Approvals;

/// <summary>One step in a request's trail.</summary>
/// <param name="At">When it happened.</param>
/// <param name="Event"><c>requested</c>, <c>approved</c>, <c>denied</c>, <c>expired</c>, <c>withdrawn</c> or <c>executed</c>.</param>
/// <param name="Actor">Who: the requester's or the approver's subject, or <c>gateway</c>.</param>
/// <param name="Comment">What they said, if anything.</param>
public sealed record ReviewEvent(DateTimeOffset At, string Event, string Actor, string? Comment);
