using Microsoft.Extensions.Options;

namespace HoopGate.Auth;

/// <summary>Every issuer needs an exact issuer, an audience, and HTTPS unless it is on loopback.</summary>
public sealed class OidcOptionsValidator : IValidateOptions<OidcOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, OidcOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.Issuers.Count == 0)
        {
            errors.Add("HoopGate:Oidc:Issuers must list at least one identity provider");
        }

        foreach (OidcIssuerOptions issuer in options.Issuers)
        {
            if (string.IsNullOrWhiteSpace(issuer.Issuer))
            {
                errors.Add("HoopGate:Oidc:Issuers entries need an Issuer (the exact iss of its tokens)");
                continue;
            }

            if (issuer.Audiences.Count == 0)
            {
                errors.Add("HoopGate:Oidc issuer " + issuer.Issuer + " needs at least one audience");
            }

            if (!Uri.TryCreate(issuer.EffectiveDiscoveryUrl, UriKind.Absolute, out Uri? discovery))
            {
                errors.Add("HoopGate:Oidc issuer " + issuer.Issuer + " has no valid discovery URL");
            }
            else if (discovery.Scheme != Uri.UriSchemeHttps && !(issuer.AllowHttp && discovery.IsLoopback))
            {
                errors.Add("HoopGate:Oidc issuer " + issuer.Issuer + " must publish its keys over HTTPS (AllowHttp is for loopback development issuers only)");
            }
        }

        // A second provider's administrators could otherwise make groups named like the first's and get its grants.
        if (options.Issuers.Count > 1)
        {
            List<string> prefixes = options.Issuers.Select(i => i.GroupPrefix ?? "").ToList();
            if (prefixes.Count(p => p.Length == 0) > 1)
            {
                errors.Add("HoopGate:Oidc:Issuers: with several issuers, all but one need a GroupPrefix, so that one provider's groups cannot pass for another's");
            }

            foreach (string prefix in prefixes.Where(p => p.Length > 0))
            {
                if (prefixes.Count(other => other.Length > 0 && other.StartsWith(prefix, StringComparison.Ordinal)) > 1)
                {
                    errors.Add("HoopGate:Oidc:Issuers: GroupPrefix '" + prefix + "' is the start of another issuer's GroupPrefix (or the same): their groups could be confused");
                }
            }
        }

        foreach (string algorithm in options.AllowedAlgorithms)
        {
            if (algorithm.StartsWith("HS", StringComparison.OrdinalIgnoreCase) || algorithm.Equals("none", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add("HoopGate:Oidc:AllowedAlgorithms must not contain '" + algorithm + "': symmetric or unsigned tokens are never accepted");
            }
        }

        if (options.ClockSkewSeconds is < 0 or > 300)
        {
            errors.Add("HoopGate:Oidc:ClockSkewSeconds must be between 0 and 300");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
