using System.Buffers;
using HoopGate.Gateway.Sessions;
using HoopGate.Masking;
using HoopGate.Protocol.Errors;

namespace HoopGate.Fuzz;

/// <summary>
/// One session's relays as the gateway builds them (session model, policy gate, masking on a fixed catalog), fed bytes
/// in either direction as the pumps feed them: what a pass leaves unconsumed waits for the next bytes of its direction.
/// </summary>
internal sealed class FuzzSession : IDisposable
{
    private const int MaxInspectedLength = 64 * 1024;

    private readonly SessionModel _model = new();
    private readonly FrontendRelay _frontend;
    private readonly BackendRelay _backend;
    private readonly OutputBuffer _output = new();
    private readonly ArrayBufferWriter<byte> _toServer = new();
    private readonly ArrayBufferWriter<byte> _toClient = new();

    public FuzzSession()
    {
        MaskingSession masking = FuzzTargets.NewMasking();
        _frontend = new FrontendRelay(_model, FuzzTargets.NewGate(masking), null, masking, MaxInspectedLength, MessageRelayLimits.MaxLength);
        _backend = new BackendRelay(_model, masking, MaxInspectedLength, MessageRelayLimits.MaxLength);
    }

    /// <summary>Relays <paramref name="bytes"/>; false when the session would end here (a FATAL, or a direction stopped).</summary>
    public bool Feed(bool toServer, ReadOnlySpan<byte> bytes)
    {
        ArrayBufferWriter<byte> pending = toServer ? _toServer : _toClient;
        MessageRelay relay = toServer ? _frontend : _backend;
        pending.Write(bytes);
        var sequence = new ReadOnlySequence<byte>(pending.WrittenMemory);
        RelayAction action;
        try
        {
            action = relay.Process(ref sequence, _output);
        }
        catch (PgProtocolException)
        {
            return false;
        }

        byte[] left = sequence.ToArray();
        pending.ResetWrittenCount();
        pending.Write(left);
        _output.Reset();
        return action == RelayAction.Forward;
    }

    public void Dispose()
    {
        _frontend.Dispose();
        _backend.Dispose();
        _output.Dispose();
    }
}
