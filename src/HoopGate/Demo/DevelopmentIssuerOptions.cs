namespace HoopGate.Demo;

/// <summary>
/// Settings of the <see cref="DevelopmentIssuer"/>. The issuer is for development, tests and the demo only; it is
/// started explicitly (<c>hoopgate dev-issuer</c> or code) and is never configured from <c>HoopGate:*</c> settings,
/// so production configuration cannot enable it by accident.
/// </summary>
public sealed class DevelopmentIssuerOptions
{
    /// <summary>
    /// The address to listen on. Default <c>127.0.0.1</c>. Only loopback addresses (<c>127.0.0.0/8</c>, <c>::1</c>,
    /// or <c>localhost</c>, which means <c>127.0.0.1</c>) are accepted: anyone who can reach the issuer can fetch
    /// its keys, and the key file's private key mints tokens for any identity.
    /// </summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>The TCP port. Default 0, which picks a free port (read it back from <see cref="DevelopmentIssuer.Issuer"/>).</summary>
    public int Port { get; set; }

    /// <summary>
    /// A PEM file holding the RSA private key that signs tokens. It is created (mode 0600, RSA 2048) when missing,
    /// so several processes (the issuer and <c>hoopgate dev-token</c>) can share one key. Default
    /// <see langword="null"/>: an ephemeral key that lives as long as the issuer.
    /// </summary>
    public string? KeyFile { get; set; }

    /// <summary>The <c>aud</c> claim of tokens whose request names no audience. Default <c>hoopgate</c>.</summary>
    public string Audience { get; set; } = "hoopgate";

    /// <summary>
    /// The people the login page (<c>/authorize</c>, OIDC authorization code flow with PKCE) offers to sign in as, for
    /// browser applications such as the compliance console. Default: none (the page says so).
    /// </summary>
    public IReadOnlyList<DevelopmentUser> Users { get; set; } = [];

    /// <summary>The client ids the login page serves (the <c>aud</c> of the ID tokens it issues). Default: <c>hoopgate-console</c>.</summary>
    public IReadOnlyList<string> ClientIds { get; set; } = ["hoopgate-console"];
}
