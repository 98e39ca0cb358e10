namespace HoopGate.Policy;

/// <summary>The verdict on a SQL string, with the rule that made it.</summary>
/// <param name="Action">Allow, deny or review.</param>
/// <param name="Rule">The rule's name (a guardrail's <c>name</c>, or a built-in rule: <c>parser</c>, <c>identity</c>,
/// <c>forbidden-function</c>, <c>server-side-copy</c>, <c>not-granted</c>); <see langword="null"/> for a plain allow.</param>
/// <param name="Reason">Why, in words a client can be shown (never the SQL's values).</param>
/// <param name="SqlState">The SQLSTATE of the refusal: 42501, or the parser's 42601/54001/22021.</param>
/// <param name="Position">For a parse error, the 1-based character position; otherwise 0.</param>
public sealed record PolicyDecision(PolicyAction Action, string? Rule, string Reason, string SqlState, int Position = 0)
{
    /// <summary>SQLSTATE 42501, insufficient_privilege.</summary>
    public const string InsufficientPrivilege = "42501";

    /// <summary>The statement may run.</summary>
    public static PolicyDecision Allowed { get; } = new(PolicyAction.Allow, null, "allowed", "00000");

    /// <summary>True for <see cref="PolicyAction.Allow"/>.</summary>
    public bool IsAllowed => Action == PolicyAction.Allow;

    /// <summary>A refusal by <paramref name="rule"/>.</summary>
    public static PolicyDecision Deny(string rule, string reason) => new(PolicyAction.Deny, rule, reason, InsufficientPrivilege);

    /// <summary>For <see cref="PolicyAction.Review"/>: how the rule's requests are decided.</summary>
    public ReviewSettings? ReviewSettings { get; init; }

    /// <summary>A hold for approval by <paramref name="rule"/>.</summary>
    public static PolicyDecision Review(string rule, string reason, ReviewSettings? settings = null) =>
        new(PolicyAction.Review, rule, reason, InsufficientPrivilege) { ReviewSettings = settings ?? Policy.ReviewSettings.Default };
}
