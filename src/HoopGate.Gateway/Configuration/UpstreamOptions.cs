namespace HoopGate.Gateway.Configuration;

/// <summary>
/// The PostgreSQL server behind the gateway, bound from <c>HoopGate:Upstream</c>. Its credentials are the
/// gateway's alone and never come from a client.
/// </summary>
public sealed class UpstreamOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "HoopGate:Upstream";

    /// <summary>Host name or address. Default <c>127.0.0.1</c>.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>TCP port. Default 5432.</summary>
    public int Port { get; set; } = 5432;

    /// <summary>The role the gateway logs in as. Required.</summary>
    public string User { get; set; } = "";

    /// <summary>
    /// The role's password. Prefer <see cref="PasswordFile"/> or the environment variable
    /// <c>HoopGate__Upstream__Password</c>; never commit it.
    /// </summary>
    public string? Password { get; set; }

    /// <summary>A file whose first line is the password (a mounted secret, for example).</summary>
    public string? PasswordFile { get; set; }

    /// <summary>TLS to the server. Default <see cref="UpstreamSslMode.Prefer"/>.</summary>
    public UpstreamSslMode SslMode { get; set; } = UpstreamSslMode.Prefer;

    /// <summary>PEM file of CA certificates trusted for the server, for <c>VerifyCA</c> and <c>VerifyFull</c>.</summary>
    public string? RootCertificatePath { get; set; }

    /// <summary>SCRAM channel binding. Default <see cref="ChannelBindingMode.Prefer"/>.</summary>
    public ChannelBindingMode ChannelBinding { get; set; } = ChannelBindingMode.Prefer;

    /// <summary>Least-privilege roles that grants may name (<see cref="GrantOptions.UpstreamRole"/>), by key.</summary>
    public Dictionary<string, UpstreamRoleOptions> Roles { get; set; } = [];

    /// <summary>Time to connect, negotiate TLS and authenticate, in seconds. Default 10.</summary>
    public double ConnectTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// Whether a server session whose client said goodbye cleanly (Terminate, nothing in flight, outside a transaction)
    /// is reset with <c>DISCARD ALL</c> and kept for the next session of the same caller, upstream role, database and
    /// settings, as PgBouncer's session mode does. A fresh backend starts with cold caches and, on virtual machines,
    /// pays a page fault for every shared buffer it touches. Default true.
    /// </summary>
    public bool ReuseSessions { get; set; } = true;

    /// <summary>How long a kept server session may wait for its next client, in seconds. Default 60.</summary>
    public double IdleSessionTimeoutSeconds { get; set; } = 60;

    /// <summary>At most this many server sessions are kept waiting at once; more are ended. Default 100.</summary>
    public int MaxIdleSessions { get; set; } = 100;

    /// <summary>
    /// A server session older than this, in seconds, is not kept for another client: role settings, privileges and
    /// password changes made since it logged in reach the caller within this time. Default 3600.
    /// </summary>
    public double MaxServerSessionLifetimeSeconds { get; set; } = 3600;
}
