using HoopGate.Auth;
using HoopGate.Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace HoopGate.Gateway.Authentication;

/// <summary>
/// The password is an OIDC token: validate it (<see cref="TokenValidator"/>), then find the grants of its groups
/// for the requested database (<see cref="GrantOptions"/> documents the union).
/// </summary>
internal sealed class OidcAuthenticator : IClientAuthenticator
{
    private readonly TokenValidator _validator;
    private readonly AuthenticationOptions _options;
    private readonly List<GrantOptions> _grants;

    public OidcAuthenticator(TokenValidator validator, IOptions<AuthenticationOptions> options, IOptions<List<GrantOptions>> grants)
    {
        _validator = validator;
        _options = options.Value;
        _grants = grants.Value;
    }

    public bool IsInsecure => false;

    public bool RequiresTls => !_options.AllowPlaintextTokens;

    public async ValueTask<AuthenticationResult> AuthenticateAsync(ClientCredentials credentials, CancellationToken cancellationToken)
    {
        TokenValidationOutcome outcome = await _validator.ValidateAsync(credentials.Password, cancellationToken);
        if (!outcome.IsValid)
        {
            return outcome.Failure == TokenFailure.MetadataUnavailable
                ? AuthenticationResult.NotAuthorized("cannot validate tokens now: " + outcome.Reason)
                : AuthenticationResult.InvalidCredential("invalid token: " + outcome.Reason);
        }

        TokenIdentity token = outcome.Identity!;
        if (_options.UserName == "MustMatch" && credentials.User != token.Subject && credentials.User != token.Email && credentials.User != token.ClientId)
        {
            return AuthenticationResult.NotAuthorized("user name \"" + credentials.User + "\" does not match the token's identity");
        }

        var matching = new List<GrantOptions>();
        bool anyGroupGranted = false;
        foreach (GrantOptions grant in _grants)
        {
            if (!token.Groups.Contains(grant.Group))
            {
                continue;
            }

            anyGroupGranted = true;
            if (grant.Databases.Contains("*") || grant.Databases.Contains(credentials.Database))
            {
                matching.Add(grant);
            }
        }

        if (!anyGroupGranted)
        {
            return AuthenticationResult.NotAuthorized("no grant for any of the token's groups");
        }

        if (matching.Count == 0)
        {
            return AuthenticationResult.NotAuthorized("no grant allows database \"" + credentials.Database + "\"");
        }

        DateTimeOffset lifetimeEnd = DateTimeOffset.UtcNow.AddMinutes(matching.Max(g => g.MaxSessionMinutes));
        bool endAtExpiry = matching.Any(g => g.EndAtTokenExpiry);
        bool expiryFirst = endAtExpiry && token.ExpiresAt < lifetimeEnd;
        var grantResult = new SessionGrant(matching[0].UpstreamRole, expiryFirst ? token.ExpiresAt : lifetimeEnd, expiryFirst);
        return AuthenticationResult.Success(new GatewayIdentity(token.Subject, token.Groups, token.Email, token.ClientId, token.Issuer), grantResult);
    }
}
