namespace HoopGate.Auth;

/// <summary>How OIDC tokens are validated, bound from <c>HoopGate:Oidc</c>.</summary>
public sealed class OidcOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "HoopGate:Oidc";

    /// <summary>The identity providers whose tokens are accepted. At least one.</summary>
    public List<OidcIssuerOptions> Issuers { get; set; } = [];

    /// <summary>
    /// Signature algorithms accepted. Default: the asymmetric RS*, PS* and ES* families. <c>none</c> and HS* are
    /// refused even when listed: a symmetric algorithm checked against a public key would let anyone sign.
    /// </summary>
    public List<string> AllowedAlgorithms { get; set; } = [];

    /// <summary>
    /// The defaults of the lists above and below, applied after binding when a list is left empty. (The configuration
    /// binder adds configured items to a list's initial ones, so a list that starts with its defaults could never be
    /// narrowed: configuring <c>["RS256"]</c> would still accept every default.)
    /// </summary>
    public static IReadOnlyList<string> DefaultAllowedAlgorithms { get; } = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];

    /// <summary>The default of <see cref="ClientIdClaims"/>.</summary>
    public static IReadOnlyList<string> DefaultClientIdClaims { get; } = ["azp", "client_id"];

    /// <summary>The default of <see cref="GroupClaims"/>.</summary>
    public static IReadOnlyList<string> DefaultGroupClaims { get; } = ["groups"];

    /// <summary>Fills the lists left empty with their defaults (registered as a post-configuration step).</summary>
    public void ApplyDefaults()
    {
        Fill(AllowedAlgorithms, DefaultAllowedAlgorithms);
        Fill(ClientIdClaims, DefaultClientIdClaims);
        Fill(GroupClaims, DefaultGroupClaims);
    }

    private static void Fill(List<string> list, IReadOnlyList<string> defaults)
    {
        if (list.Count == 0)
        {
            list.AddRange(defaults);
        }
    }

    /// <summary>Tolerated clock difference for exp and nbf, in seconds. Default 30.</summary>
    public double ClockSkewSeconds { get; set; } = 30;

    /// <summary>Claims every token must carry (dotted paths allowed). Default none beyond the subject.</summary>
    public List<string> RequiredClaims { get; set; } = [];

    /// <summary>Where the caller's stable identifier is. Default <c>sub</c>.</summary>
    public string SubjectClaim { get; set; } = "sub";

    /// <summary>Where a person's e-mail is. Default <c>email</c>; machine tokens have none.</summary>
    public string EmailClaim { get; set; } = "email";

    /// <summary>Where a machine identity's client id is, first match wins. Default <c>azp</c>, then <c>client_id</c>.</summary>
    public List<string> ClientIdClaims { get; set; } = [];

    /// <summary>
    /// Where groups are; every listed claim is read and the results are merged. Dotted paths reach into objects
    /// (<c>realm_access.roles</c>). A claim may be an array or a space- or comma-separated string. Default <c>groups</c>.
    /// </summary>
    public List<string> GroupClaims { get; set; } = [];

    /// <summary>How often discovery and keys are refreshed without cause, in minutes. Default 720 (12 hours).</summary>
    public double MetadataRefreshMinutes { get; set; } = 720;

    /// <summary>
    /// The shortest time between refreshes forced by an unknown key id, in seconds. Default 30, so that tokens with
    /// made-up key ids cannot make the gateway hammer the identity provider.
    /// </summary>
    public double MinimumRefreshSeconds { get; set; } = 30;

    /// <summary>Largest accepted token, in bytes. Default 16384.</summary>
    public int MaxTokenLength { get; set; } = 16 * 1024;
}
