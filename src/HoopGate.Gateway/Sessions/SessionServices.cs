using HoopGate.Policy;
using HoopGate.Sql;
using System.Security.Cryptography.X509Certificates;
using HoopGate.Gateway.Authentication;
using HoopGate.Gateway.Configuration;
using HoopGate.Gateway.Upstream;
using Microsoft.Extensions.Logging;

namespace HoopGate.Gateway.Sessions;

/// <summary>What every session shares: options, the authenticator, the server connector, the cancel registry.</summary>
internal sealed class SessionServices
{
    public SessionServices(
        GatewayOptions options,
        X509Certificate2? certificate,
        IClientAuthenticator authenticator,
        ServerConnector connector,
        ServerSessionPool serverSessions,
        CancelRegistry cancelRegistry,
        IAuthenticationEvents authenticationEvents,
        PolicyProvider policy,
        SqlAnalysisCache analyses,
        HoopGate.Audit.AuditOptions auditOptions,
        HoopGate.Audit.AuditSpool? auditSpool,
        HoopGate.Audit.AuditParameterHasher? auditParameters,
        HoopGate.Masking.Catalog.CatalogCache catalog,
        HoopGate.Masking.PseudonymKey pseudonymKey,
        HoopGate.Approvals.ApprovalCoordinator? approvals,
        GatewayMetrics metrics,
        ILoggerFactory loggerFactory)
    {
        Metrics = metrics;
        Approvals = approvals;
        Catalog = catalog;
        PseudonymKey = pseudonymKey;
        AuditParameters = auditParameters;
        AuditOptions = auditOptions;
        AuditSpool = auditSpool;
        Policy = policy;
        Analyses = analyses;
        AuthenticationEvents = authenticationEvents;
        Options = options;
        Certificate = certificate;
        Authenticator = authenticator;
        Connector = connector;
        ServerSessions = serverSessions;
        CancelRegistry = cancelRegistry;
        Logger = loggerFactory.CreateLogger<ClientSession>();
        AllowedParameters = new HashSet<string>(options.AllowedStartupParameters, StringComparer.OrdinalIgnoreCase);
        Throttle = new AuthenticationThrottle(TimeProvider.System);
        CancelThrottle = new AuthenticationThrottle(TimeProvider.System);
    }

    public GatewayOptions Options { get; }

    public X509Certificate2? Certificate { get; }

    public IClientAuthenticator Authenticator { get; }

    public ServerConnector Connector { get; }

    /// <summary>Server sessions: kept ones handed out again, new ones opened.</summary>
    public ServerSessionPool ServerSessions { get; }

    public CancelRegistry CancelRegistry { get; }

    public ILogger Logger { get; }

    public HashSet<string> AllowedParameters { get; }

    public AuthenticationThrottle Throttle { get; }

    /// <summary>Slows down CancelRequests with unknown keys per address (never reset by a success, unlike logins).</summary>
    public AuthenticationThrottle CancelThrottle { get; }

    public IAuthenticationEvents AuthenticationEvents { get; }

    public PolicyProvider Policy { get; }

    public SqlAnalysisCache Analyses { get; }

    public HoopGate.Audit.AuditOptions AuditOptions { get; }

    /// <summary>The spool, or null when audit is off.</summary>
    public HoopGate.Audit.AuditSpool? AuditSpool { get; }

    /// <summary>Catalog snapshots per database, for masking.</summary>
    public HoopGate.Masking.Catalog.CatalogCache Catalog { get; }

    /// <summary>The key of pseudonymised values.</summary>
    public HoopGate.Masking.PseudonymKey PseudonymKey { get; }

    /// <summary>The gateway's counters.</summary>
    public GatewayMetrics Metrics { get; }

    /// <summary>Reviews of held statements, or null when approvals are off (review rules then refuse).</summary>
    public HoopGate.Approvals.ApprovalCoordinator? Approvals { get; }

    /// <summary>Records bound parameters as configured, or null when audit is off.</summary>
    public HoopGate.Audit.AuditParameterHasher? AuditParameters { get; }
}
