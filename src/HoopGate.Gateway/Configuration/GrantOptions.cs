namespace HoopGate.Gateway.Configuration;

/// <summary>
/// What members of one group may do, bound from the list <c>HoopGate:Grants</c>. When several of a caller's groups
/// have grants, the union is deterministic: a database is allowed if any grant allows it; the upstream role is the
/// first grant's (in configuration order) that allows the requested database; the session may live as long as the
/// longest of those grants allows; and it ends at token expiry unless every one of those grants says otherwise.
/// </summary>
public sealed class GrantOptions
{
    /// <summary>The group (as it appears in the token's group claims). Required.</summary>
    public string Group { get; set; } = "";

    /// <summary>Databases the group may connect to; <c>*</c> means any. Required: nothing is allowed by default.</summary>
    public List<string> Databases { get; set; } = [];

    /// <summary>
    /// The upstream role sessions run as: a key of <c>HoopGate:Upstream:Roles</c>. Default: the gateway's own
    /// <c>HoopGate:Upstream:User</c>.
    /// </summary>
    public string? UpstreamRole { get; set; }

    /// <summary>The longest a session may live, in minutes. Default 480 (a working day).</summary>
    public double MaxSessionMinutes { get; set; } = 480;

    /// <summary>End the session with a FATAL when the token expires. Default <see langword="true"/>.</summary>
    public bool EndAtTokenExpiry { get; set; } = true;
}
