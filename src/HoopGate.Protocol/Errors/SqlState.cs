namespace HoopGate.Protocol.Errors;

/// <summary>
/// SQLSTATE codes the gateway itself raises, named after their condition in PostgreSQL's
/// errcodes appendix (https://www.postgresql.org/docs/current/errcodes-appendix.html), grouped by class.
/// </summary>
public static class SqlState
{
    // Class 08 — Connection Exception

    /// <summary>08000 connection_exception.</summary>
    public const string ConnectionException = "08000";

    /// <summary>08006 connection_failure: the server is unreachable or went away.</summary>
    public const string ConnectionFailure = "08006";

    /// <summary>08001 sqlclient_unable_to_establish_sqlconnection.</summary>
    public const string SqlClientUnableToEstablishSqlConnection = "08001";

    /// <summary>08004 sqlserver_rejected_establishment_of_sqlconnection.</summary>
    public const string SqlServerRejectedEstablishmentOfSqlConnection = "08004";

    /// <summary>08P01 protocol_violation: malformed, oversized or unexpected client messages.</summary>
    public const string ProtocolViolation = "08P01";

    // Class 0A — Feature Not Supported

    /// <summary>0A000 feature_not_supported.</summary>
    public const string FeatureNotSupported = "0A000";

    // Class 25 — Invalid Transaction State

    /// <summary>25P02 in_failed_sql_transaction: the transaction is aborted; only ROLLBACK runs.</summary>
    public const string InFailedSqlTransaction = "25P02";

    // Class 28 — Invalid Authorization Specification

    /// <summary>28000 invalid_authorization_specification: authenticated but not allowed.</summary>
    public const string InvalidAuthorizationSpecification = "28000";

    /// <summary>28P01 invalid_password: a bad or expired credential.</summary>
    public const string InvalidPassword = "28P01";

    // Class 42 — Syntax Error or Access Rule Violation

    /// <summary>42501 insufficient_privilege.</summary>
    public const string InsufficientPrivilege = "42501";

    /// <summary>42601 syntax_error.</summary>
    public const string SyntaxError = "42601";

    // Class 53 — Insufficient Resources

    /// <summary>53000 insufficient_resources.</summary>
    public const string InsufficientResources = "53000";

    /// <summary>53300 too_many_connections.</summary>
    public const string TooManyConnections = "53300";

    // Class 57 — Operator Intervention

    /// <summary>57014 query_canceled.</summary>
    public const string QueryCanceled = "57014";

    /// <summary>57P01 admin_shutdown: the gateway is shutting down.</summary>
    public const string AdminShutdown = "57P01";

    /// <summary>57P03 cannot_connect_now: the gateway cannot serve the session yet (it cannot read the catalog it masks by).</summary>
    public const string CannotConnectNow = "57P03";

    /// <summary>57P05 idle_session_timeout.</summary>
    public const string IdleSessionTimeout = "57P05";

    // Class XX — Internal Error

    /// <summary>XX000 internal_error: a bug; the message is generic and names the connection id.</summary>
    public const string InternalError = "XX000";
}
