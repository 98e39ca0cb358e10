namespace HoopGate.Audit;

/// <summary>How the gateway treats the audit trail.</summary>
public enum AuditMode
{
    /// <summary>
    /// A statement's start record is fsync'd to the spool before the statement reaches the server; when the spool cannot
    /// be written, statements are refused (ERROR 53000). The default.
    /// </summary>
    Strict,

    /// <summary>Records are written and fsync'd in the background; a crash can lose the last few hundred milliseconds.</summary>
    Async,

    /// <summary>No audit trail. Allowed only with the insecure test authenticator.</summary>
    Off,
}
