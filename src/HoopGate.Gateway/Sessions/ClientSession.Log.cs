using Microsoft.Extensions.Logging;

namespace HoopGate.Gateway.Sessions;

internal sealed partial class ClientSession
{
    [LoggerMessage(EventId = EventIds.SessionStarted, Level = LogLevel.Information,
        Message = "Session started for {Subject} on database {Database}, server backend {ProcessId}, client TLS {ClientTls}, server TLS {ServerTls}")]
    private partial void LogSessionStarted(string subject, string database, int processId, bool clientTls, bool serverTls);

    [LoggerMessage(EventId = EventIds.SessionEnded, Level = LogLevel.Information,
        Message = "Session ended after {Statements} statements ({FailedStatements} failed), {BytesToServer} bytes to the server, {BytesToClient} bytes to the client")]
    private partial void LogSessionEnded(long statements, long failedStatements, long bytesToServer, long bytesToClient);

    [LoggerMessage(EventId = EventIds.StartupFailed, Level = LogLevel.Information, Message = "Session refused during startup: {Reason}")]
    private partial void LogStartupFailed(string reason);

    [LoggerMessage(EventId = EventIds.ServerConnectFailed, Level = LogLevel.Error, Message = "Could not open a server session: {Reason}")]
    private partial void LogServerConnectFailed(string reason);

    [LoggerMessage(EventId = EventIds.ProtocolViolation, Level = LogLevel.Warning, Message = "Session ended by a protocol violation: {Reason}")]
    private partial void LogProtocolViolation(string reason);

    [LoggerMessage(EventId = EventIds.SessionFailed, Level = LogLevel.Information, Message = "Session ended by an I/O failure")]
    private partial void LogSessionFailed(Exception exception);

    [LoggerMessage(EventId = EventIds.SessionFailed + 100, Level = LogLevel.Error, Message = "Session ended by a gateway bug")]
    private partial void LogSessionBug(Exception exception);

    // The normalised text has its constants replaced: it never holds the values a statement was sent with.
    [LoggerMessage(EventId = EventIds.StatementRefused, Level = LogLevel.Information,
        Message = "Statement refused ({Decision}) by policy rule {Rule}: {Fingerprint} {NormalizedSql}")]
    private partial void LogStatementRefused(HoopGate.Policy.PolicyAction decision, string? rule, string? fingerprint, string? normalizedSql);

    [LoggerMessage(EventId = EventIds.TrackingAnomaly, Level = LogLevel.Warning,
        Message = "{Anomalies} server messages did not match the requests in flight")]
    private partial void LogTrackingAnomaly(long anomalies);
}
