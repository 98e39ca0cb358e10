using HoopGate.Protocol.Backend;

namespace HoopGate.Gateway.Upstream;

/// <summary>
/// The server could not be reached, refused the gateway, or broke the protocol during startup.
/// <see cref="ServerError"/> holds the server's own ErrorResponse when it sent one.
/// </summary>
public sealed class ServerConnectionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ServerConnectionException(string message, ErrorResponse? serverError = null, Exception? innerException = null)
        : base(message, innerException)
    {
        ServerError = serverError;
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public ServerConnectionException()
        : this("could not connect to the server")
    {
    }

    /// <summary>Creates the exception.</summary>
    public ServerConnectionException(string message)
        : this(message, null, null)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ServerConnectionException(string message, Exception innerException)
        : this(message, null, innerException)
    {
    }

    /// <summary>The server's ErrorResponse, if the server refused the session.</summary>
    public ErrorResponse? ServerError { get; }
}
