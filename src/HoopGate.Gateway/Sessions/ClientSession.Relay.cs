using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using HoopGate.Gateway.Upstream;
using HoopGate.Protocol.Backend;
using HoopGate.Protocol.Errors;
using HoopGate.Protocol.Frontend;
using Pipelines.Sockets.Unofficial;

namespace HoopGate.Gateway.Sessions;

internal sealed partial class ClientSession
{

    private PgProtocolException? _violation;
    private volatile bool _stopPumps;

    /// <summary>Steps 4-5: relay both directions until one ends, then close the session cleanly.</summary>
    private async Task RelayAsync()
    {
        ServerConnection server = _server!;
        IDuplexPipe client = CreatePipe(_socket, _clientStream, _clientTls);
        IDuplexPipe upstream = CreatePipe(server.Socket, server.Stream, server.IsTls);
        var toServer = new FrontendRelay(_model, _services.Options.MaxMessageLength, _services.Options.MaxStreamedMessageLength);
        var toClient = new BackendRelay(_model, _services.Options.MaxMessageLength, _services.Options.MaxStreamedMessageLength);
        Volatile.Write(ref _wake, () =>
        {
            upstream.Input.CancelPendingRead();
            if (_abortRequested)
            {
                client.Input.CancelPendingRead();
                client.Output.CancelPendingFlush();
                upstream.Output.CancelPendingFlush();
            }
        });

        try
        {
            if (_shutdownRequested)
            {
                RequestShutdown();
            }

            Task<PumpResult> clientToServer = PumpAsync(client.Input, upstream.Output, toServer, wakeable: false);
            Task<PumpResult> serverToClient = PumpAsync(upstream.Input, client.Output, toClient, wakeable: true);
            Task<PumpResult> first = await Task.WhenAny(clientToServer, serverToClient);

            PumpResult clientResult, serverResult;
            if (first == clientToServer)
            {
                clientResult = await clientToServer;

                // The client is gone or done; nothing the server still sends has anyone to read it.
                _stopPumps = true;
                upstream.Input.CancelPendingRead();
                client.Output.CancelPendingFlush();
                serverResult = await serverToClient;
            }
            else
            {
                serverResult = await serverToClient;
                _stopPumps = true;
                client.Input.CancelPendingRead();
                upstream.Output.CancelPendingFlush();
                clientResult = await clientToServer;
            }

            await EndAsync(client, upstream, toClient, clientResult, serverResult, first == clientToServer);
        }
        finally
        {
            toServer.Dispose();
            toClient.Dispose();
            await CompleteAsync(client);
            await CompleteAsync(upstream);
            LogSessionEnded(_model.StatementsCompleted, _model.StatementsFailed, toServer.BytesForwarded, toClient.BytesForwarded);
            if (_model.Anomalies > 0)
            {
                LogTrackingAnomaly(_model.Anomalies);
            }
        }
    }

    /// <summary>Step 5: tell the client what ended the session, and let the server know the client is gone.</summary>
    private async Task EndAsync(
        IDuplexPipe client, IDuplexPipe upstream, BackendRelay toClient, PumpResult clientResult, PumpResult serverResult, bool clientEndedFirst)
    {
        ErrorResponse? fatal = null;
        if (clientEndedFirst && clientResult == PumpResult.ProtocolViolation)
        {
            LogProtocolViolation(_violation!.Message);
            fatal = ErrorResponse.Create(ErrorResponse.Fatal, _violation.SqlState, _violation.Message);
        }
        else if (!clientEndedFirst && serverResult == PumpResult.ProtocolViolation)
        {
            LogProtocolViolation("server: " + _violation!.Message);
            fatal = ErrorResponse.Create(ErrorResponse.Fatal, SqlState.ProtocolViolation, "the server sent a message the gateway does not relay");
        }
        else if (!clientEndedFirst && serverResult == PumpResult.InputClosed && !toClient.ServerSentFatal)
        {
            fatal = ErrorResponse.Create(ErrorResponse.Fatal, SqlState.ConnectionFailure, "server closed the connection unexpectedly");
        }
        else if (_shutdownRequested && (serverResult is PumpResult.Finished or PumpResult.Stopped))
        {
            fatal = ErrorResponse.Create(ErrorResponse.Fatal, SqlState.AdminShutdown, "terminating connection due to gateway shutdown");
        }

        // A FATAL can only follow a whole message: after a half-forwarded DataRow the client just sees the close.
        if (fatal is not null && toClient.AtMessageBoundary && serverResult != PumpResult.OutputClosed)
        {
            fatal.WriteTo(client.Output);
            await FlushQuietlyAsync(client.Output);
        }

        if (_abortRequested && !_model.IsIdle)
        {
            // The statement would otherwise run to its end on the server after the client is gone.
            await TryCancelServerStatementAsync();
        }

        if (!_model.Terminated && serverResult != PumpResult.InputClosed && clientResult != PumpResult.OutputClosed)
        {
            // The client vanished or is being ended: say goodbye properly so the backend does not log an EOF.
            var terminate = upstream.Output.GetSpan(5);
            terminate[0] = (byte)FrontendMessageCode.Terminate;
            terminate[1] = 0;
            terminate[2] = 0;
            terminate[3] = 0;
            terminate[4] = 4;
            upstream.Output.Advance(5);
            await FlushQuietlyAsync(upstream.Output);
        }
    }

    /// <summary>One direction: read, relay whole messages (streaming data ones), flush once per read.</summary>
    private async Task<PumpResult> PumpAsync(PipeReader input, PipeWriter output, MessageRelay relay, bool wakeable)
    {
        try
        {
            while (true)
            {
                ReadResult result = await input.ReadAsync();
                ReadOnlySequence<byte> buffer = result.Buffer;
                if (result.IsCanceled && Woken(relay, wakeable) is { } stop)
                {
                    input.AdvanceTo(buffer.Start);
                    return stop;
                }

                long before = relay.BytesForwarded;
                RelayAction action;
                try
                {
                    action = relay.Process(ref buffer, output);
                }
                finally
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                }

                if (relay.BytesForwarded != before)
                {
                    FlushResult flush = await output.FlushAsync();
                    if (flush.IsCanceled)
                    {
                        return PumpResult.Stopped;
                    }

                    if (flush.IsCompleted)
                    {
                        return PumpResult.OutputClosed;
                    }
                }

                if (action != RelayAction.Forward)
                {
                    return PumpResult.Finished;
                }

                if (result.IsCompleted)
                {
                    return PumpResult.InputClosed;
                }
            }
        }
        catch (PgProtocolException ex)
        {
            _violation = ex;
            return PumpResult.ProtocolViolation;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            return PumpResult.InputClosed;
        }
        catch (InvalidOperationException)
        {
            // A failed socket send completes its pipe (Pipelines.Sockets.Unofficial does so by design); the next
            // write to it throws. The peer we were writing to is gone.
            return PumpResult.OutputClosed;
        }
    }

    private async Task TryCancelServerStatementAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _services.Connector.SendCancelAsync(_server!.KeyData, timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
        {
            // Best effort: the Terminate that follows ends the backend once the statement is over.
        }
    }

    /// <summary>Decides what a woken pump does: stop, or (shutdown with work in flight) go on until idle.</summary>
    private PumpResult? Woken(MessageRelay relay, bool wakeable)
    {
        if (_abortRequested || _stopPumps || !wakeable)
        {
            return PumpResult.Stopped;
        }

        if (_shutdownRequested && _model.IsIdle && relay.AtMessageBoundary)
        {
            return PumpResult.Finished;
        }

        if (!_shutdownRequested)
        {
            return PumpResult.Stopped;
        }

        // Woken for shutdown while work is in flight: the next idle ReadyForQuery ends the session.
        ((BackendRelay)relay).StopWhenIdle = true;
        return null;
    }

    private IDuplexPipe CreatePipe(Socket socket, Stream stream, bool tls) =>
        tls
            ? StreamConnection.GetDuplex(stream, _services.SendOptions, _services.ReceiveOptions)
            : SocketConnection.Create(socket, _services.SendOptions, _services.ReceiveOptions, _services.SocketOptions);

    private static async Task FlushQuietlyAsync(PipeWriter output)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await output.FlushAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // The peer is gone.
        }
    }

    private static async ValueTask CompleteAsync(IDuplexPipe pipe)
    {
        await pipe.Input.CompleteAsync();
        await pipe.Output.CompleteAsync();
        if (pipe is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }
}
