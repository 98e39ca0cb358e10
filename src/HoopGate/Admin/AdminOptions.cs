namespace HoopGate.Admin;

/// <summary>The admin HTTP API (<c>HoopGate:Admin</c>): its own port, bearer OIDC tokens, off unless enabled.</summary>
public sealed class AdminOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "HoopGate:Admin";

    /// <summary>Serve the admin API.</summary>
    public bool Enabled { get; set; }

    /// <summary>The address to listen on; loopback by default.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>The port (0 picks a free one).</summary>
    public int Port { get; set; } = 6433;

    /// <summary>Serve HTTPS with this certificate (PEM); plain HTTP when empty.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The certificate's private key (PEM).</summary>
    public string? KeyPath { get; set; }

    /// <summary>Groups whose members may list and terminate sessions.</summary>
    public List<string> AdminGroups { get; set; } = [];

    /// <summary>The default of <see cref="AdminGroups"/>, applied after binding when it is left empty (see <see cref="HoopGate.Approvals.ApprovalOptions.DefaultApproverGroups"/>).</summary>
    public static IReadOnlyList<string> DefaultAdminGroups { get; } = ["admins"];

    /// <summary>
    /// Plain HTTP on an address other than loopback: bearer tokens would cross the network in clear text, so this must
    /// be said explicitly (behind a TLS-terminating proxy, say).
    /// </summary>
    public bool AllowInsecureHttp { get; set; }

    /// <summary>The compliance console's settings (<c>HoopGate:Admin:Console</c>).</summary>
    public ConsoleOptions Console { get; set; } = new();
}
