namespace HoopGate.Auth;

/// <summary>One trusted identity provider.</summary>
public sealed class OidcIssuerOptions
{
    /// <summary>The exact <c>iss</c> value of its tokens. Required.</summary>
    public string Issuer { get; set; } = "";

    /// <summary>The discovery document's URL. Default: <see cref="Issuer"/> + <c>/.well-known/openid-configuration</c>.</summary>
    public string? DiscoveryUrl { get; set; }

    /// <summary>Accepted <c>aud</c> values; a token must name at least one. Required.</summary>
    public List<string> Audiences { get; set; } = [];

    /// <summary>
    /// Allow discovery over plain HTTP. Default <see langword="false"/>; only loopback URLs may use it (the development
    /// issuer), because keys fetched in the clear could be swapped by anyone on the path.
    /// </summary>
    public bool AllowHttp { get; set; }

    /// <summary>
    /// Put before every group name in this issuer's tokens (<c>partner:</c> makes <c>staff</c> into <c>partner:staff</c>),
    /// so that grants, policy rules and masking grants written for one identity provider's groups cannot be claimed by
    /// another provider's administrators. With several issuers, all but one need a prefix, distinct and none the start
    /// of another; the one without a prefix has its groups that begin with another's prefix dropped.
    /// </summary>
    public string? GroupPrefix { get; set; }

    /// <summary>The discovery URL actually used.</summary>
    public string EffectiveDiscoveryUrl =>
        string.IsNullOrEmpty(DiscoveryUrl) ? Issuer.TrimEnd('/') + "/.well-known/openid-configuration" : DiscoveryUrl;
}
