namespace HoopGate.Auth;

/// <summary>
/// A token's group claims as grants, policy rules, approver and console roles see them: with its issuer's
/// <see cref="OidcIssuerOptions.GroupPrefix"/> before each, and without the unprefixed issuer's groups that begin with
/// another issuer's prefix — so one identity provider's administrators cannot mint groups that pass for another's.
/// </summary>
public sealed class IssuerGroups
{
    private readonly string _prefix;
    private readonly string[] _otherPrefixes;

    /// <param name="options">Every configured issuer.</param>
    /// <param name="issuer">The exact issuer of the token the groups come from.</param>
    public IssuerGroups(OidcOptions options, string issuer)
    {
        ArgumentNullException.ThrowIfNull(options);
        _prefix = options.Issuers.FirstOrDefault(i => i.Issuer == issuer)?.GroupPrefix ?? "";
        _otherPrefixes = [.. options.Issuers.Where(i => i.Issuer != issuer && !string.IsNullOrEmpty(i.GroupPrefix)).Select(i => i.GroupPrefix!)];
    }

    /// <summary>The group's name in the gateway, or null when it must be dropped.</summary>
    public string? Name(string group)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (_prefix.Length > 0)
        {
            return _prefix + group;
        }

        foreach (string other in _otherPrefixes)
        {
            if (group.StartsWith(other, StringComparison.Ordinal))
            {
                return null;
            }
        }

        return group;
    }
}
