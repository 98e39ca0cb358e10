namespace HoopGate.Policy;

/// <summary>A masking class: its name (what a column or tag refers to) and how its values are masked.</summary>
/// <param name="Class">The class name (<c>ssn</c>, <c>default</c>).</param>
/// <param name="Method">How values are rewritten.</param>
/// <param name="Keep">For <see cref="MaskMethod.Partial"/>, how many trailing letters or digits stay.</param>
/// <param name="Placeholder">For <see cref="MaskMethod.Redact"/>, the text that replaces the value.</param>
public sealed record MaskRule(string Class, MaskMethod Method, int Keep = 4, string Placeholder = MaskRule.DefaultPlaceholder)
{
    /// <summary>What a redacted value reads as unless the class says otherwise.</summary>
    public const string DefaultPlaceholder = "[REDACTED]";
}
