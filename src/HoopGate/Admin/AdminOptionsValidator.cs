using System.Net;
using Microsoft.Extensions.Options;

namespace HoopGate.Admin;

/// <summary>Checks <see cref="AdminOptions"/> at start: a valid address and port, and no bearer tokens in clear text off loopback.</summary>
internal sealed class AdminOptionsValidator : IValidateOptions<AdminOptions>
{
    public ValidateOptionsResult Validate(string? name, AdminOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        if (!IPAddress.TryParse(options.ListenAddress, out IPAddress? address))
        {
            failures.Add("HoopGate:Admin:ListenAddress must be an IP address, not '" + options.ListenAddress + "'");
        }
        else if (!IPAddress.IsLoopback(address) && string.IsNullOrEmpty(options.CertificatePath) && !options.AllowInsecureHttp)
        {
            failures.Add("HoopGate:Admin:ListenAddress " + options.ListenAddress + " is not loopback: set HoopGate:Admin:CertificatePath (HTTPS), "
                + "or HoopGate:Admin:AllowInsecureHttp when a TLS proxy is in front");
        }

        if (options.Port is < 0 or > IPEndPoint.MaxPort)
        {
            failures.Add("HoopGate:Admin:Port must be from 0 to 65535");
        }

        if (!string.IsNullOrEmpty(options.CertificatePath) && !File.Exists(options.CertificatePath))
        {
            failures.Add("HoopGate:Admin:CertificatePath " + options.CertificatePath + " does not exist");
        }

        ConsoleOptions console = options.Console;
        if (console.Enabled)
        {
            if (string.IsNullOrWhiteSpace(console.ClientId))
            {
                failures.Add("HoopGate:Admin:Console:ClientId is required: the console's client id at the identity provider");
            }

            if (console.ClientSecretFile is { Length: > 0 } secret && !File.Exists(secret))
            {
                failures.Add("HoopGate:Admin:Console:ClientSecretFile " + secret + " does not exist");
            }

            bool proxied = address is not null && !IPAddress.IsLoopback(address) && string.IsNullOrEmpty(options.CertificatePath);
            if (console.PublicOrigin is { Length: > 0 } origin)
            {
                if (!Uri.TryCreate(origin, UriKind.Absolute, out Uri? uri) || uri.Scheme != Uri.UriSchemeHttps || uri.AbsolutePath != "/")
                {
                    failures.Add("HoopGate:Admin:Console:PublicOrigin must be an https origin such as https://console.example.org, not '" + origin + "'");
                }
            }
            else if (proxied)
            {
                failures.Add("HoopGate:Admin:Console:PublicOrigin is required when the admin port speaks plain HTTP off loopback: "
                    + "the https address browsers use, so that sign-in returns there and cookies are Secure");
            }

            if (console.IdleTimeoutMinutes < 1 || console.MaxSessionHours < 1)
            {
                failures.Add("HoopGate:Admin:Console:IdleTimeoutMinutes and MaxSessionHours must be at least 1");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
