namespace HoopGate.Auth;

/// <summary>Why a token was refused.</summary>
public enum TokenFailure
{
    /// <summary>Not refused.</summary>
    None,

    /// <summary>Not a JWT, too large, or missing required claims.</summary>
    Malformed,

    /// <summary>An issuer no configuration trusts.</summary>
    UntrustedIssuer,

    /// <summary>A signature algorithm that is not allowed (none, HS*, or not listed).</summary>
    DisallowedAlgorithm,

    /// <summary>The signature does not verify with the issuer's keys.</summary>
    BadSignature,

    /// <summary>Past its exp.</summary>
    Expired,

    /// <summary>Before its nbf.</summary>
    NotYetValid,

    /// <summary>No accepted audience.</summary>
    WrongAudience,

    /// <summary>The issuer's keys could not be fetched, so nothing can be validated (the gateway's problem, not the client's).</summary>
    MetadataUnavailable,
}
