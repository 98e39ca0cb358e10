namespace HoopGate.Policy;

/// <summary>A loaded policy, or every reason it could not be loaded.</summary>
public sealed class PolicyLoadResult
{
    private PolicyLoadResult(PolicySnapshot? snapshot, IReadOnlyList<string> errors)
    {
        Snapshot = snapshot;
        Errors = errors;
    }

    /// <summary>The policy, when it loaded.</summary>
    public PolicySnapshot? Snapshot { get; }

    /// <summary>Each error as <c>file:line:column: message</c>; empty when the policy loaded.</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>A success.</summary>
    public static PolicyLoadResult Loaded(PolicySnapshot snapshot) => new(snapshot, []);

    /// <summary>A failure.</summary>
    public static PolicyLoadResult Failed(IReadOnlyList<string> errors) => new(null, errors);
}
