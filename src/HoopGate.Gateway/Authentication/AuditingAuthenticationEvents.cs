using System.Net;
using HoopGate.Audit;

namespace HoopGate.Gateway.Authentication;

/// <summary>Authentication outcomes into the audit trail (auth_success, auth_failure), and to the log as before.</summary>
internal sealed class AuditingAuthenticationEvents : IAuthenticationEvents
{
    private readonly IAuthenticationEvents _log;
    private readonly AuditSpool _spool;

    public AuditingAuthenticationEvents(IAuthenticationEvents log, AuditSpool spool)
    {
        _log = log;
        _spool = spool;
    }

    public void Succeeded(GatewayIdentity identity, string database, EndPoint? remote, bool tls)
    {
        _log.Succeeded(identity, database, remote, tls);
        _spool.Append(new AuthenticationEvent
        {
            Succeeded = true,
            User = identity.Subject,
            Groups = identity.Groups,
            Database = database,
            ClientAddress = (remote as IPEndPoint)?.Address.ToString(),
            ClientTls = tls,
        });
    }

    public void Failed(string user, string database, EndPoint? remote, bool tls, string sqlState, string reason)
    {
        _log.Failed(user, database, remote, tls, sqlState, reason);
        _spool.Append(new AuthenticationEvent
        {
            Succeeded = false,
            User = user,
            Database = database,
            ClientAddress = (remote as IPEndPoint)?.Address.ToString(),
            ClientTls = tls,
            SqlState = sqlState,
            Reason = reason,
        });
    }
}
