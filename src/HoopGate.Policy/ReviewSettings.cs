namespace HoopGate.Policy;

/// <summary>How a <c>review</c> guardrail's requests are decided: the <c>review:</c> mapping of a guardrail.</summary>
public sealed class ReviewSettings
{
    /// <summary>Wait mode, the gateway's approver groups, one approval, no justification needed, 5 minutes, 15 minutes.</summary>
    public static ReviewSettings Default { get; } = new();

    /// <summary>Wait (hold the statement) or retry (error now, run on a later attempt).</summary>
    public ReviewMode Mode { get; init; } = ReviewMode.Wait;

    /// <summary>Groups whose members may decide; empty for the gateway's configured approver groups. Any one suffices.</summary>
    public IReadOnlyList<string> Approvers { get; init; } = [];

    /// <summary>How many distinct approvers must approve (one denial denies).</summary>
    public int Approvals { get; init; } = 1;

    /// <summary>When true, a statement without a justification is refused instead of held.</summary>
    public bool RequireJustification { get; init; }

    /// <summary>How long a request waits for its decision before it expires.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Retry mode: how long after approval the statement may be run (once).</summary>
    public TimeSpan Validity { get; init; } = TimeSpan.FromMinutes(15);
}
