using Microsoft.Extensions.Options;

namespace HoopGate.Gateway.Configuration;

/// <summary>Refuses to start with no authenticator, or with the test-only one unless the configuration says it is insecure.</summary>
internal sealed class AuthenticationOptionsValidator : IValidateOptions<AuthenticationOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthenticationOptions options)
    {
        if (string.Equals(options.Mode, "Static", StringComparison.OrdinalIgnoreCase))
        {
            if (!options.Insecure)
            {
                return ValidateOptionsResult.Fail(
                    "HoopGate:Authentication:Mode 'Static' accepts fixed passwords and is for tests only; refusing to start. " +
                    "Set HoopGate:Authentication:Insecure to true to acknowledge that this gateway is insecure");
            }

            if (options.StaticUsers.Count == 0)
            {
                return ValidateOptionsResult.Fail("HoopGate:Authentication:StaticUsers is empty: nobody could log in");
            }

            foreach (StaticUser user in options.StaticUsers)
            {
                if (string.IsNullOrEmpty(user.Name) || string.IsNullOrEmpty(user.Password))
                {
                    return ValidateOptionsResult.Fail("HoopGate:Authentication:StaticUsers entries need a Name and a Password");
                }
            }

            return ValidateOptionsResult.Success;
        }

        if (string.Equals(options.Mode, "Oidc", StringComparison.OrdinalIgnoreCase))
        {
            return options.UserName is "Ignore" or "MustMatch"
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail("HoopGate:Authentication:UserName must be 'Ignore' or 'MustMatch'");
        }

        return ValidateOptionsResult.Fail(
            "HoopGate:Authentication:Mode must be set: 'Oidc' (tokens from HoopGate:Oidc:Issuers), or 'Static' (tests only)");
    }
}
