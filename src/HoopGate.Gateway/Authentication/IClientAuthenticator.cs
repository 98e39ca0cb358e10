namespace HoopGate.Gateway.Authentication;

/// <summary>
/// Decides whether the password a client sent (an OIDC token, once issue 4 lands) proves who it is.
/// Called once per session, before any byte reaches the server.
/// </summary>
public interface IClientAuthenticator
{
    /// <summary>True when the authenticator must never run in production; the gateway then refuses to start unless told it is insecure.</summary>
    bool IsInsecure { get; }

    /// <summary>True when credentials may only cross TLS: a plaintext client is refused before it is asked for one.</summary>
    bool RequiresTls { get; }

    /// <summary>Validates the credentials. Expected failures are results, not exceptions.</summary>
    ValueTask<AuthenticationResult> AuthenticateAsync(ClientCredentials credentials, CancellationToken cancellationToken);
}
