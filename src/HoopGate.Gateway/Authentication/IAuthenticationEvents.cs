using System.Net;

namespace HoopGate.Gateway.Authentication;

/// <summary>
/// Receives every authentication outcome, so that the audit trail (issue 5) can record it. Implementations must
/// not block and must never see the credential: only who, from where, for which database, and why not.
/// </summary>
public interface IAuthenticationEvents
{
    /// <summary>A client proved who it is and holds a grant for the database.</summary>
    void Succeeded(GatewayIdentity identity, string database, EndPoint? remote, bool tls);

    /// <summary>A client was refused: a bad credential (28P01) or no grant (28000).</summary>
    void Failed(string user, string database, EndPoint? remote, bool tls, string sqlState, string reason);
}
