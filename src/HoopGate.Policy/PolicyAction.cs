namespace HoopGate.Policy;

/// <summary>What policy decides for a statement.</summary>
public enum PolicyAction
{
    /// <summary>The statement may run.</summary>
    Allow,

    /// <summary>The statement is refused (ERROR 42501, or the parser's own SQLSTATE for SQL that does not parse).</summary>
    Deny,

    /// <summary>The statement may run once a person with the approver role approves it.</summary>
    Review,
}
