namespace HoopGate.Gateway.Configuration;

/// <summary>TLS between clients and the gateway.</summary>
public sealed class ClientTlsOptions
{
    /// <summary>PEM certificate (chain) file. Without it, SSLRequest is answered 'N'.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>PEM private key file for <see cref="CertificatePath"/>.</summary>
    public string? KeyPath { get; set; }

    /// <summary>
    /// Refuse clients that do not negotiate TLS, with FATAL 28000 before any password is asked.
    /// Default <see langword="true"/>: the password is a bearer token. Needs a certificate.
    /// </summary>
    public bool Required { get; set; } = true;
}
