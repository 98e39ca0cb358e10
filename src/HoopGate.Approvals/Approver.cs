namespace HoopGate.Approvals;

/// <summary>Someone deciding a request, as their validated token says.</summary>
/// <param name="Subject">The token's subject.</param>
/// <param name="Groups">The token's groups.</param>
public sealed record Approver(string Subject, IReadOnlyList<string> Groups);
