using HoopGate.Policy;

namespace HoopGate.Masking;

/// <summary>How one result column is rewritten: its rule, and the type its masked values must stay valid for.</summary>
/// <param name="Rule">How to mask (NULL for a column the gateway cannot rewrite safely).</param>
/// <param name="TypeOid">The column's type.</param>
/// <param name="Description">What the audit record says (<c>clinic.patients.ssn:partial</c>).</param>
public sealed record ColumnMask(MaskRule Rule, uint TypeOid, string Description)
{
    /// <summary>For the <c>detect</c> method, the policy's content detectors.</summary>
    public IReadOnlyList<ContentDetector> Detectors { get; init; } = [];

    /// <summary>
    /// NULLs are rewritten too (as the rule rewrites an empty value: <c>redact</c> gives the placeholder), so that whether
    /// the value is NULL tells nothing: for columns whose NULL can depend on a masked value (expressions, whole rows).
    /// </summary>
    public bool HidesNull { get; init; }
}
