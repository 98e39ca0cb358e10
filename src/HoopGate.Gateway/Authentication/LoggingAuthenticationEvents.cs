using System.Net;
using Microsoft.Extensions.Logging;

namespace HoopGate.Gateway.Authentication;

/// <summary>The default sink until the audit store exists: one structured log event per outcome.</summary>
internal sealed partial class LoggingAuthenticationEvents : IAuthenticationEvents
{
    private readonly ILogger<LoggingAuthenticationEvents> _logger;
    private readonly GatewayMetrics? _metrics;

    public LoggingAuthenticationEvents(ILogger<LoggingAuthenticationEvents> logger, GatewayMetrics? metrics = null)
    {
        _logger = logger;
        _metrics = metrics;
    }

    public void Succeeded(GatewayIdentity identity, string database, EndPoint? remote, bool tls) =>
        LogSucceeded(identity.Subject, identity.ClientId, database, remote, tls);

    public void Failed(string user, string database, EndPoint? remote, bool tls, string sqlState, string reason)
    {
        _metrics?.AuthenticationFailed();
        LogFailed(user, database, remote, tls, sqlState, reason);
    }

    [LoggerMessage(EventId = EventIds.AuthenticationSucceeded, Level = LogLevel.Information,
        Message = "Authenticated {Subject} (client {ClientId}) for database {Database} from {RemoteEndPoint}, TLS {Tls}")]
    private partial void LogSucceeded(string subject, string? clientId, string database, EndPoint? remoteEndPoint, bool tls);

    [LoggerMessage(EventId = EventIds.AuthenticationFailed, Level = LogLevel.Warning,
        Message = "Authentication failed for user {User} on database {Database} from {RemoteEndPoint}, TLS {Tls}: {SqlState} {Reason}")]
    private partial void LogFailed(string user, string database, EndPoint? remoteEndPoint, bool tls, string sqlState, string reason);
}
