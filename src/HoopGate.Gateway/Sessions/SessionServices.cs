using System.IO.Pipelines;
using System.Security.Cryptography.X509Certificates;
using HoopGate.Gateway.Authentication;
using HoopGate.Gateway.Configuration;
using HoopGate.Gateway.Upstream;
using Microsoft.Extensions.Logging;
using Pipelines.Sockets.Unofficial;

namespace HoopGate.Gateway.Sessions;

/// <summary>What every session shares: options, the authenticator, the server connector, the cancel registry, pipe settings.</summary>
internal sealed class SessionServices
{
    public SessionServices(
        GatewayOptions options,
        X509Certificate2? certificate,
        IClientAuthenticator authenticator,
        ServerConnector connector,
        CancelRegistry cancelRegistry,
        ILoggerFactory loggerFactory)
    {
        Options = options;
        Certificate = certificate;
        Authenticator = authenticator;
        Connector = connector;
        CancelRegistry = cancelRegistry;
        Logger = loggerFactory.CreateLogger<ClientSession>();
        AllowedParameters = new HashSet<string>(options.AllowedStartupParameters, StringComparer.OrdinalIgnoreCase);

        // Inline reads and writes: socket completions run the relay directly (see ReceiveOptions).
        SocketOptions = SocketConnectionOptions.InlineReads | SocketConnectionOptions.InlineWrites;
        if (options.ZeroLengthReads)
        {
            SocketOptions |= SocketConnectionOptions.ZeroLengthReads;
        }
    }

    public SocketConnectionOptions SocketOptions { get; }

    public GatewayOptions Options { get; }

    public X509Certificate2? Certificate { get; }

    public IClientAuthenticator Authenticator { get; }

    public ServerConnector Connector { get; }

    public CancelRegistry CancelRegistry { get; }

    public ILogger Logger { get; }

    public HashSet<string> AllowedParameters { get; }

    /// <summary>
    /// Pipes that receive from a socket. Continuations run inline: the thread that completed the receive
    /// relays the bytes and starts the send, instead of hopping through the thread pool per read (measured
    /// in docs/benchmarks.md). The pause threshold sits above <see cref="MessageRelay.AccumulateThreshold"/>
    /// so a waiting inspected message can always complete, and bounds what one session buffers per direction.
    /// </summary>
    public PipeOptions ReceiveOptions { get; } = new(
        pauseWriterThreshold: 256 * 1024,
        resumeWriterThreshold: 128 * 1024,
        readerScheduler: PipeScheduler.Inline,
        writerScheduler: PipeScheduler.Inline,
        minimumSegmentSize: 16 * 1024,
        useSynchronizationContext: false);

    /// <summary>Pipes that send to a socket: a slow reader holds at most this much before the relay waits.</summary>
    public PipeOptions SendOptions { get; } = new(
        pauseWriterThreshold: 256 * 1024,
        resumeWriterThreshold: 128 * 1024,
        readerScheduler: PipeScheduler.Inline,
        writerScheduler: PipeScheduler.Inline,
        minimumSegmentSize: 16 * 1024,
        useSynchronizationContext: false);
}
