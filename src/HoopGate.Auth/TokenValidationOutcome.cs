namespace HoopGate.Auth;

/// <summary>The result of validating a token: an identity, or why not (never the token itself).</summary>
public sealed class TokenValidationOutcome
{
    private TokenValidationOutcome(TokenIdentity? identity, TokenFailure failure, string reason)
    {
        Identity = identity;
        Failure = failure;
        Reason = reason;
    }

    /// <summary>The identity when the token is valid.</summary>
    public TokenIdentity? Identity { get; }

    /// <summary>What kind of failure, or <see cref="TokenFailure.None"/>.</summary>
    public TokenFailure Failure { get; }

    /// <summary>A client-safe explanation, lower case, without the token.</summary>
    public string Reason { get; }

    /// <summary>True when <see cref="Identity"/> is set.</summary>
    public bool IsValid => Identity is not null;

    /// <summary>A valid token.</summary>
    public static TokenValidationOutcome Valid(TokenIdentity identity) => new(identity, TokenFailure.None, "");

    /// <summary>An invalid token.</summary>
    public static TokenValidationOutcome Invalid(TokenFailure failure, string reason) => new(null, failure, reason);
}
