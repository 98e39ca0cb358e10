namespace HoopGate.Gateway.Configuration;

/// <summary>How clients prove who they are, bound from <c>HoopGate:Authentication</c>.</summary>
public sealed class AuthenticationOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "HoopGate:Authentication";

    /// <summary>The authenticator. Only <c>Static</c> exists until OIDC lands (issue 4), and it is for tests.</summary>
    public string Mode { get; set; } = "";

    /// <summary>
    /// Must be <see langword="true"/> to start with an authenticator that is not safe for production
    /// (<c>Static</c>), so that nobody runs one by accident. Default <see langword="false"/>.
    /// </summary>
    public bool Insecure { get; set; }

    /// <summary>Users of the <c>Static</c> authenticator.</summary>
    public List<StaticUser> StaticUsers { get; set; } = [];
}
