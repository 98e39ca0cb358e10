namespace HoopGate.Gateway.Configuration;

/// <summary>TLS to the server, with libpq's sslmode meanings.</summary>
public enum UpstreamSslMode
{
    /// <summary>Plaintext only.</summary>
    Disable,

    /// <summary>TLS when the server offers it, without certificate checks; plaintext otherwise.</summary>
    Prefer,

    /// <summary>TLS or fail, without certificate checks.</summary>
    Require,

    /// <summary>TLS or fail; the certificate must chain to <see cref="UpstreamOptions.RootCertificatePath"/>.</summary>
    VerifyCA,

    /// <summary>As <see cref="VerifyCA"/>, and the certificate must name the host.</summary>
    VerifyFull,
}
