namespace HoopGate.Admin;

/// <summary>
/// The compliance console (<c>HoopGate:Admin:Console</c>): web pages under <c>/console</c> on the admin port, for approvers
/// (decide), auditors (read everything, decide nothing) and admins (also sessions), signed in with the OIDC authorization
/// code flow and PKCE against the configured issuer.
/// </summary>
public sealed class ConsoleOptions
{
    /// <summary>Serve the console (the admin API must be enabled too).</summary>
    public bool Enabled { get; set; }

    /// <summary>The console's client id at the identity provider (the <c>aud</c> of its ID tokens).</summary>
    public string? ClientId { get; set; }

    /// <summary>A file holding the client secret, for providers that require one; without it the console is a public client (PKCE).</summary>
    public string? ClientSecretFile { get; set; }

    /// <summary>The issuer to sign in with; default: the first of <c>HoopGate:Oidc:Issuers</c>.</summary>
    public string? Issuer { get; set; }

    /// <summary>Groups whose members read everything (inbox, activity, reports) and decide nothing.</summary>
    public List<string> AuditorGroups { get; set; } = [];

    /// <summary>The default of <see cref="AuditorGroups"/>, applied after binding when it is left empty.</summary>
    public static IReadOnlyList<string> DefaultAuditorGroups { get; } = ["auditors"];

    /// <summary>Minutes without a request after which a signed-in person must sign in again (default 15).</summary>
    public int IdleTimeoutMinutes { get; set; } = 15;

    /// <summary>Hours after sign-in after which a person must sign in again however active (default 8).</summary>
    public int MaxSessionHours { get; set; } = 8;

    /// <summary>
    /// Where the keys protecting sign-in cookies are kept, so that several instances (or a restart) accept one another's
    /// cookies; default: keys in memory, so a restart signs everyone out.
    /// </summary>
    public string? KeyDirectory { get; set; }

    /// <summary>
    /// The https origin browsers use when a TLS proxy sits in front of a plain-HTTP admin port (<c>AllowInsecureHttp</c>),
    /// such as <c>https://console.example.org</c>: the sign-in redirect URI is built from it and cookies are Secure.
    /// Required in that case.
    /// </summary>
    public string? PublicOrigin { get; set; }
}
