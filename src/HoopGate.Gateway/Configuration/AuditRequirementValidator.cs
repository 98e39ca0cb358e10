using HoopGate.Audit;
using Microsoft.Extensions.Options;

namespace HoopGate.Gateway.Configuration;

/// <summary>Audit may be off only in a configuration that marks itself insecure (the static test authenticator).</summary>
internal sealed class AuditRequirementValidator : IValidateOptions<AuditOptions>
{
    private readonly IOptions<AuthenticationOptions> _authentication;

    public AuditRequirementValidator(IOptions<AuthenticationOptions> authentication)
    {
        _authentication = authentication;
    }

    public ValidateOptionsResult Validate(string? name, AuditOptions options) =>
        options.Mode == AuditMode.Off && !_authentication.Value.Insecure
            ? ValidateOptionsResult.Fail("HoopGate:Audit:Mode may be Off only in a configuration with HoopGate:Authentication:Insecure set (tests): every real session is audited")
            : ValidateOptionsResult.Success;
}
