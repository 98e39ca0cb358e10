namespace HoopGate.Approvals;

/// <summary>Approvals (<c>HoopGate:Approvals</c>). Requests live in the audit store, so approvals need its connection string.</summary>
public sealed class ApprovalOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "HoopGate:Approvals";

    /// <summary>When false, <c>review</c> rules refuse their statements outright.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Groups whose members may decide requests of rules that name no approvers of their own.</summary>
    public List<string> ApproverGroups { get; set; } = [];

    /// <summary>
    /// The default of <see cref="ApproverGroups"/>, applied after binding when it is left empty. (The configuration binder
    /// adds configured items to a list's initial ones: a list starting with this would let <c>approvers</c> decide even
    /// where the configuration names other groups.)
    /// </summary>
    public static IReadOnlyList<string> DefaultApproverGroups { get; } = ["approvers"];

    /// <summary>Where new requests and decisions are announced (JSON POST with a Slack-compatible <c>text</c>); none when empty.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>How long one webhook call may take before it is given up (it never delays a decision).</summary>
    public int WebhookTimeoutSeconds { get; set; } = 5;

    /// <summary>The URL approvers are pointed to in announcements (the admin API or console), when there is one.</summary>
    public string? InboxUrl { get; set; }
}
