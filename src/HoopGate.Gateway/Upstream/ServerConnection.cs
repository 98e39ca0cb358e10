using System.Net.Sockets;
using HoopGate.Protocol.Backend;

namespace HoopGate.Gateway.Upstream;

/// <summary>
/// An authenticated session with the server: the stream to relay on, the parameters the server reported, and its
/// cancel key. It may serve several client sessions in turn (<see cref="ServerSessionPool"/>).
/// </summary>
internal sealed class ServerConnection : IAsyncDisposable
{
    private readonly List<ParameterStatus> _parameters;

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
        _parameters = [.. parameters];
        KeyData = keyData;
        TransactionStatus = transactionStatus;
    }

    public Socket Socket { get; }

    /// <summary>A <see cref="NetworkStream"/> or, with TLS, the <see cref="System.Net.Security.SslStream"/> over it.</summary>
    public Stream Stream { get; }

    public bool IsTls { get; }

    /// <summary>The reported parameters' current values (those of startup, then every ParameterStatus since).</summary>
    public IReadOnlyList<ParameterStatus> Parameters
    {
        get
        {
            lock (_parameters)
            {
                return [.. _parameters];
            }
        }
    }

    /// <summary>The server backend's process id and its own secret key.</summary>
    public BackendKeyData KeyData { get; }

    public TransactionStatus TransactionStatus { get; }

    /// <summary>Who may be handed this session next (<see cref="ServerSessionPool"/>): caller, role, database and settings.</summary>
    public string? PoolKey { get; set; }

    /// <summary>When it logged in (<see cref="TimeProvider.GetTimestamp"/>).</summary>
    public long CreatedAt { get; set; }

    /// <summary>When it was last put aside to wait for a client (<see cref="TimeProvider.GetTimestamp"/>).</summary>
    public long IdleSince { get; set; }

    /// <summary>Records a ParameterStatus the server sent after startup.</summary>
    public void Apply(ParameterStatus parameter)
    {
        lock (_parameters)
        {
            int index = _parameters.FindIndex(p => p.Name == parameter.Name);
            if (index >= 0)
            {
                _parameters[index] = parameter;
            }
            else
            {
                _parameters.Add(parameter);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync();
        Socket.Dispose();
    }
}
