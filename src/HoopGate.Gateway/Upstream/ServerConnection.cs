using System.Net.Sockets;
using HoopGate.Protocol.Backend;

namespace HoopGate.Gateway.Upstream;

/// <summary>
/// An authenticated session with the server, as startup left it: the stream to relay on, the parameters the
/// server reported, and its cancel key.
/// </summary>
internal sealed class ServerConnection : IAsyncDisposable
{
    public ServerConnection(
        Socket socket,
        Stream stream,
        bool isTls,
        IReadOnlyList<ParameterStatus> parameters,
        BackendKeyData keyData,
        TransactionStatus transactionStatus)
    {
        Socket = socket;
        Stream = stream;
        IsTls = isTls;
        Parameters = parameters;
        KeyData = keyData;
        TransactionStatus = transactionStatus;
    }

    public Socket Socket { get; }

    /// <summary>A <see cref="NetworkStream"/> or, with TLS, the <see cref="System.Net.Security.SslStream"/> over it.</summary>
    public Stream Stream { get; }

    public bool IsTls { get; }

    public IReadOnlyList<ParameterStatus> Parameters { get; }

    /// <summary>The server backend's process id and its own secret key.</summary>
    public BackendKeyData KeyData { get; }

    public TransactionStatus TransactionStatus { get; }

    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync();
        Socket.Dispose();
    }
}
