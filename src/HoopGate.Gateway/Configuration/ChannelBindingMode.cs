namespace HoopGate.Gateway.Configuration;

/// <summary>SCRAM-SHA-256-PLUS channel binding to the server, with libpq's channel_binding meanings.</summary>
public enum ChannelBindingMode
{
    /// <summary>Never bind.</summary>
    Disable,

    /// <summary>Bind when TLS is up and the server offers SCRAM-SHA-256-PLUS.</summary>
    Prefer,

    /// <summary>Bind or fail; this also rules out md5, cleartext and trust.</summary>
    Require,
}
