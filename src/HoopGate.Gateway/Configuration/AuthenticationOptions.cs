namespace HoopGate.Gateway.Configuration;

/// <summary>How clients prove who they are, bound from <c>HoopGate:Authentication</c>.</summary>
public sealed class AuthenticationOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "HoopGate:Authentication";

    /// <summary>The authenticator: <c>Oidc</c> (tokens as passwords; see <c>HoopGate:Oidc</c>), or <c>Static</c> (tests only).</summary>
    public string Mode { get; set; } = "";

    /// <summary>
    /// Accept tokens over plaintext connections. Default <see langword="false"/>: a token is a bearer credential.
    /// For loopback development only.
    /// </summary>
    public bool AllowPlaintextTokens { get; set; }

    /// <summary>
    /// What the user name in the StartupMessage must be: <c>Ignore</c> (default; the token alone says who the caller
    /// is) or <c>MustMatch</c> (the token's subject, e-mail or client id).
    /// </summary>
    public string UserName { get; set; } = "Ignore";

    /// <summary>
    /// Must be <see langword="true"/> to start with an authenticator that is not safe for production
    /// (<c>Static</c>), so that nobody runs one by accident. Default <see langword="false"/>.
    /// </summary>
    public bool Insecure { get; set; }

    /// <summary>Users of the <c>Static</c> authenticator.</summary>
    public List<StaticUser> StaticUsers { get; set; } = [];
}
