namespace HoopGate.Gateway.Configuration;

/// <summary>A least-privilege role the gateway logs in as for some grants; its password is the gateway's alone.</summary>
public sealed class UpstreamRoleOptions
{
    /// <summary>The PostgreSQL role name.</summary>
    public string User { get; set; } = "";

    /// <summary>The password (prefer <see cref="PasswordFile"/> or an environment variable).</summary>
    public string? Password { get; set; }

    /// <summary>A file whose first line is the password.</summary>
    public string? PasswordFile { get; set; }
}
