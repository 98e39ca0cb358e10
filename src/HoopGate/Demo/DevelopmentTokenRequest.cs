namespace HoopGate.Demo;

/// <summary>What a token minted by <see cref="DevelopmentIssuer.CreateToken"/> (or <c>hoopgate dev-token</c>) says.</summary>
public sealed class DevelopmentTokenRequest
{
    /// <summary>The <c>sub</c> claim. Required and non-empty.</summary>
    public required string Subject { get; init; }

    /// <summary>The <c>groups</c> claim, always written as a JSON array (possibly empty). Default: no groups.</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary>
    /// How long the token is valid, counted from <see cref="IssuedAt"/> (<c>exp</c> = <c>iat</c> + lifetime).
    /// Default 10 minutes, a typical access-token lifetime.
    /// </summary>
    public TimeSpan Lifetime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The <c>nbf</c> claim. Default: <see cref="IssuedAt"/>, which itself defaults to now.</summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>
    /// The <c>iat</c> claim. Default now. A time in the past with a short <see cref="Lifetime"/> mints a token that
    /// has already expired.
    /// </summary>
    public DateTimeOffset? IssuedAt { get; init; }

    /// <summary>
    /// For a machine identity: sets the <c>azp</c> and <c>client_id</c> claims. Such a token carries no
    /// <c>email</c>, so <see cref="Email"/> must then be <see langword="null"/>. Default <see langword="null"/> (a person).
    /// </summary>
    public string? ClientId { get; init; }

    /// <summary>The <c>email</c> claim of a person. Default <see langword="null"/>: no <c>email</c> claim.</summary>
    public string? Email { get; init; }

    /// <summary>The <c>aud</c> claim. Default <see langword="null"/>: <see cref="DevelopmentIssuerOptions.Audience"/>.</summary>
    public string? Audience { get; init; }

    /// <summary>
    /// Further claims, written last so that they win over the claims above; a key such as <c>iss</c>, <c>aud</c>,
    /// <c>exp</c>, <c>nbf</c> or <c>iat</c> replaces the value the issuer would write (negative tests use this).
    /// Default <see langword="null"/>.
    /// </summary>
    public IReadOnlyDictionary<string, object>? ExtraClaims { get; init; }
}
