using System.Net;
using Microsoft.Extensions.Options;

namespace HoopGate.Gateway.Configuration;

/// <summary>Cross-field rules of the listener options; reports every problem at once.</summary>
internal sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var errors = new List<string>();
        if (!IPAddress.TryParse(options.ListenAddress, out _))
        {
            errors.Add("HoopGate:Gateway:ListenAddress must be an IP address, got '" + options.ListenAddress + "'");
        }

        if (options.Port is < 0 or > 65535)
        {
            errors.Add("HoopGate:Gateway:Port must be between 0 and 65535");
        }

        if (options.Tls.Required && string.IsNullOrEmpty(options.Tls.CertificatePath))
        {
            errors.Add("HoopGate:Gateway:Tls:Required is true (the default) but no Tls:CertificatePath is set; configure a certificate, or set Required to false for loopback-only use");
        }

        if (!string.IsNullOrEmpty(options.Tls.CertificatePath))
        {
            if (!File.Exists(options.Tls.CertificatePath))
            {
                errors.Add("HoopGate:Gateway:Tls:CertificatePath '" + options.Tls.CertificatePath + "' does not exist");
            }

            if (string.IsNullOrEmpty(options.Tls.KeyPath) || !File.Exists(options.Tls.KeyPath))
            {
                errors.Add("HoopGate:Gateway:Tls:KeyPath must name the certificate's PEM private key file");
            }
        }

        if (options.MaxConnections < 1 || options.MaxConnectionsPerAddress < 1)
        {
            errors.Add("HoopGate:Gateway:MaxConnections and MaxConnectionsPerAddress must be at least 1");
        }

        if (options.StartupTimeoutSeconds <= 0 || options.ShutdownTimeoutSeconds < 0)
        {
            errors.Add("HoopGate:Gateway:StartupTimeoutSeconds must be positive and ShutdownTimeoutSeconds not negative");
        }

        if (options.MaxMessageLength < 1024 || options.MaxStreamedMessageLength < options.MaxMessageLength)
        {
            errors.Add("HoopGate:Gateway:MaxMessageLength must be at least 1024 and at most MaxStreamedMessageLength");
        }

        if (options.MaxStreamedMessageLength > Sessions.MessageRelayLimits.MaxLength)
        {
            errors.Add(FormattableString.Invariant($"HoopGate:Gateway:MaxStreamedMessageLength must be at most {Sessions.MessageRelayLimits.MaxLength} (1 GiB - 1, PostgreSQL's own limit)"));
        }

        if (options.MaxStartupPacketLength is < 64 or > 1024 * 1024)
        {
            errors.Add("HoopGate:Gateway:MaxStartupPacketLength must be between 64 and 1048576");
        }

        if (options.InstanceId is < 0 or > 255)
        {
            errors.Add("HoopGate:Gateway:InstanceId must be between 0 and 255");
        }

        foreach ((string id, string address) in options.Peers)
        {
            if (!int.TryParse(id, out int peer) || peer is < 1 or > 255 || peer == options.InstanceId)
            {
                errors.Add("HoopGate:Gateway:Peers key '" + id + "' must be another instance id between 1 and 255");
            }

            int colon = address.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), out _))
            {
                errors.Add("HoopGate:Gateway:Peers:" + id + " must be host:port, got '" + address + "'");
            }
        }

        if (options.Peers.Count > 0 && options.InstanceId == 0)
        {
            errors.Add("HoopGate:Gateway:Peers needs HoopGate:Gateway:InstanceId to be set");
        }

        foreach (string parameter in options.AllowedStartupParameters)
        {
            if (parameter.Equals("role", StringComparison.OrdinalIgnoreCase)
                || parameter.Equals("session_authorization", StringComparison.OrdinalIgnoreCase)
                || parameter.Equals("user", StringComparison.OrdinalIgnoreCase)
                || parameter.Equals("replication", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add("HoopGate:Gateway:AllowedStartupParameters must not contain '" + parameter + "': it would let a client choose who it is upstream");
            }

            if (parameter.Equals("search_path", StringComparison.OrdinalIgnoreCase)
                || parameter.Equals("standard_conforming_strings", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add("HoopGate:Gateway:AllowedStartupParameters must not contain '" + parameter + "': it would let the server read SQL differently from how policy judged it");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
