using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace HoopGate.Gateway.Configuration;

/// <summary>Every grant names a group and its databases, and only upstream roles that exist.</summary>
internal sealed class GrantOptionsValidator : IValidateOptions<List<GrantOptions>>
{
    private readonly HashSet<string> _roles;

    // Role names come straight from configuration: going through IOptions<UpstreamOptions> would validate those
    // options a second time and report their problems twice.
    public GrantOptionsValidator(IConfiguration configuration)
    {
        _roles = configuration.GetSection(UpstreamOptions.SectionName + ":Roles").GetChildren().Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
    }

    public ValidateOptionsResult Validate(string? name, List<GrantOptions> options)
    {
        var errors = new List<string>();
        for (int i = 0; i < options.Count; i++)
        {
            GrantOptions grant = options[i];
            string at = "HoopGate:Grants:" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (string.IsNullOrWhiteSpace(grant.Group))
            {
                errors.Add(at + ":Group is required");
            }

            if (grant.Databases.Count == 0)
            {
                errors.Add(at + ":Databases is empty: list the databases, or \"*\" for any");
            }

            if (grant.UpstreamRole is { } role && !_roles.Contains(role))
            {
                errors.Add(at + ":UpstreamRole '" + role + "' is not a key of HoopGate:Upstream:Roles");
            }

            if (grant.MaxSessionMinutes <= 0)
            {
                errors.Add(at + ":MaxSessionMinutes must be positive");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
