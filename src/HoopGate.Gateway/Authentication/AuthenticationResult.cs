using HoopGate.Protocol.Errors;

namespace HoopGate.Gateway.Authentication;

/// <summary>The outcome of authenticating a client: an identity, or the FATAL to answer with.</summary>
public sealed class AuthenticationResult
{
    private AuthenticationResult(GatewayIdentity? identity, string sqlState, string message, SessionGrant? grant = null)
    {
        Identity = identity;
        Grant = grant ?? SessionGrant.Unrestricted;
        SqlState = sqlState;
        Message = message;
    }

    /// <summary>The identity, when authentication succeeded.</summary>
    public GatewayIdentity? Identity { get; }

    /// <summary>On success: the upstream role and time limits of the session.</summary>
    public SessionGrant Grant { get; }

    /// <summary>True when <see cref="Identity"/> is set.</summary>
    public bool Succeeded => Identity is not null;

    /// <summary>On failure: 28P01 (bad credential) or 28000 (not allowed).</summary>
    public string SqlState { get; }

    /// <summary>On failure: the message the client sees. It never repeats the credential.</summary>
    public string Message { get; }

    /// <summary>A success.</summary>
    public static AuthenticationResult Success(GatewayIdentity identity, SessionGrant? grant = null) => new(identity, "", "", grant);

    /// <summary>A bad or expired credential (28P01).</summary>
    public static AuthenticationResult InvalidCredential(string message) => new(null, Protocol.Errors.SqlState.InvalidPassword, message);

    /// <summary>A valid credential without the right to connect (28000).</summary>
    public static AuthenticationResult NotAuthorized(string message) =>
        new(null, Protocol.Errors.SqlState.InvalidAuthorizationSpecification, message);
}
