namespace HoopGate.Policy;

/// <summary>How a protected value is rewritten. A value whose type a method cannot keep valid becomes NULL.</summary>
public enum MaskMethod
{
    /// <summary>A fixed placeholder (text types); NULL for other types.</summary>
    Redact,

    /// <summary>Letters and digits replaced by <c>*</c> except the last few, separators kept (<c>***-**-6789</c>).</summary>
    Partial,

    /// <summary>A keyed hash (HMAC-SHA256), stable so that joins and counts still work, formatted for the type.</summary>
    Pseudonym,

    /// <summary>NULL.</summary>
    Null,

    /// <summary>The local part replaced, the domain kept (<c>****@example.org</c>).</summary>
    Email,

    /// <summary>A date or timestamp kept to its year (<c>1984-01-01</c>).</summary>
    Year,

    /// <summary>Free text kept, with what the policy's content detectors find in it replaced (<c>call [REDACTED:phone]</c>).</summary>
    Detect,
}
