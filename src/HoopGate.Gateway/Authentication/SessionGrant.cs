namespace HoopGate.Gateway.Authentication;

/// <summary>What an authenticated session may do, decided once at startup.</summary>
/// <param name="UpstreamRole">The key of <c>HoopGate:Upstream:Roles</c> to log in as; <see langword="null"/> for the gateway's own user.</param>
/// <param name="EndsAt">When the session must end (token expiry or maximum lifetime); <see langword="null"/> for never.</param>
/// <param name="EndsAtTokenExpiry">True when <paramref name="EndsAt"/> is the token's expiry rather than the maximum lifetime.</param>
public sealed record SessionGrant(string? UpstreamRole, DateTimeOffset? EndsAt, bool EndsAtTokenExpiry)
{
    /// <summary>The gateway's own user, no time limit (the static test authenticator).</summary>
    public static SessionGrant Unrestricted { get; } = new(null, null, false);
}
