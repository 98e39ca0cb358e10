using Microsoft.Extensions.Options;

namespace HoopGate.Policy;

/// <summary>Checks that a policy file is configured and loads cleanly, reporting every error with its line.</summary>
internal sealed class PolicyOptionsValidator : IValidateOptions<PolicyOptions>
{
    public ValidateOptionsResult Validate(string? name, PolicyOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Path))
        {
            return ValidateOptionsResult.Fail("HoopGate:Policy:Path is required: the gateway judges every statement by a policy file (config/policy.yaml is a safe start)");
        }

        if (options.ReloadDelayMilliseconds is < 0 or > 60_000)
        {
            return ValidateOptionsResult.Fail("HoopGate:Policy:ReloadDelayMilliseconds must be between 0 and 60000");
        }

        PolicyLoadResult result = PolicyLoader.LoadFile(options.Path);
        return result.Errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(result.Errors);
    }
}
