namespace HoopGate.Audit;

/// <summary>How the values bound to extended-protocol statements are recorded.</summary>
public enum AuditParameterMode
{
    /// <summary>
    /// As keyed hashes (HMAC-SHA-256 with <see cref="AuditOptions.ParameterKey"/>): "who queried this SSN?" can be
    /// answered (<c>hoopgate audit hash</c> gives the value's hash to search for) without the store holding the value.
    /// </summary>
    Hashed,

    /// <summary>The values themselves (text format as text, binary as hex). The store then holds what the parameters hold.</summary>
    Raw,

    /// <summary>Not at all.</summary>
    None,
}
