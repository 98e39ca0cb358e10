using Microsoft.Extensions.Options;

namespace HoopGate.Gateway.Configuration;

/// <summary>Rules of the server options; reports every problem at once.</summary>
internal sealed class UpstreamOptionsValidator : IValidateOptions<UpstreamOptions>
{
    public ValidateOptionsResult Validate(string? name, UpstreamOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Host))
        {
            errors.Add("HoopGate:Upstream:Host is required");
        }

        if (options.Port is < 1 or > 65535)
        {
            errors.Add("HoopGate:Upstream:Port must be between 1 and 65535");
        }

        if (string.IsNullOrWhiteSpace(options.User))
        {
            errors.Add("HoopGate:Upstream:User is required: the role the gateway logs in as");
        }

        if (!string.IsNullOrEmpty(options.PasswordFile) && !File.Exists(options.PasswordFile))
        {
            errors.Add("HoopGate:Upstream:PasswordFile '" + options.PasswordFile + "' does not exist");
        }

        if (options.SslMode is UpstreamSslMode.VerifyCA or UpstreamSslMode.VerifyFull)
        {
            if (string.IsNullOrEmpty(options.RootCertificatePath) || !File.Exists(options.RootCertificatePath))
            {
                errors.Add("HoopGate:Upstream:SslMode " + options.SslMode + " needs RootCertificatePath to name an existing PEM file");
            }
        }

        if (options.ChannelBinding == ChannelBindingMode.Require && options.SslMode == UpstreamSslMode.Disable)
        {
            errors.Add("HoopGate:Upstream:ChannelBinding Require needs TLS; SslMode is Disable");
        }

        foreach ((string key, UpstreamRoleOptions role) in options.Roles)
        {
            if (string.IsNullOrWhiteSpace(role.User))
            {
                errors.Add("HoopGate:Upstream:Roles:" + key + ":User is required");
            }

            if (!string.IsNullOrEmpty(role.PasswordFile) && !File.Exists(role.PasswordFile))
            {
                errors.Add("HoopGate:Upstream:Roles:" + key + ":PasswordFile '" + role.PasswordFile + "' does not exist");
            }
        }

        if (options.ConnectTimeoutSeconds <= 0)
        {
            errors.Add("HoopGate:Upstream:ConnectTimeoutSeconds must be positive");
        }

        if (options.IdleSessionTimeoutSeconds <= 0)
        {
            errors.Add("HoopGate:Upstream:IdleSessionTimeoutSeconds must be positive");
        }

        if (options.MaxServerSessionLifetimeSeconds <= 0)
        {
            errors.Add("HoopGate:Upstream:MaxServerSessionLifetimeSeconds must be positive");
        }

        if (options.MaxIdleSessions < 0)
        {
            errors.Add("HoopGate:Upstream:MaxIdleSessions must not be negative");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
