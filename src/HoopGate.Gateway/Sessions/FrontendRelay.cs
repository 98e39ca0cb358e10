using System.Buffers;
using HoopGate.Protocol.Frontend;

namespace HoopGate.Gateway.Sessions;

/// <summary>
/// Client to server. Requests are recorded in the <see cref="SessionModel"/> before they are forwarded, so
/// the server's answer always finds its request. Bind, CopyData and FunctionCall carry data and stream;
/// the rest are small and inspected whole. Anything else — 'p' after startup included — is a protocol
/// violation, as it is for PostgreSQL.
/// </summary>
internal sealed class FrontendRelay : MessageRelay
{
    private readonly SessionModel _model;

    public FrontendRelay(SessionModel model, int maxInspectedLength, int maxStreamedLength)
        : base(maxInspectedLength, maxStreamedLength)
    {
        _model = model;
    }

    protected override MessageDisposition Classify(byte code) => (FrontendMessageCode)code switch
    {
        FrontendMessageCode.Query or FrontendMessageCode.Parse or FrontendMessageCode.Describe or FrontendMessageCode.Execute
            or FrontendMessageCode.Close or FrontendMessageCode.Sync or FrontendMessageCode.Flush or FrontendMessageCode.Terminate
            or FrontendMessageCode.CopyDone or FrontendMessageCode.CopyFail => MessageDisposition.Inspect,
        FrontendMessageCode.Bind or FrontendMessageCode.CopyData or FrontendMessageCode.FunctionCall => MessageDisposition.Stream,
        _ => MessageDisposition.Reject,
    };

    protected override RelayAction OnMessage(byte code, in ReadOnlySequence<byte> message)
    {
        _model.OnFrontendMessage((FrontendMessageCode)code);
        return code == (byte)FrontendMessageCode.Terminate ? RelayAction.ForwardAndStop : RelayAction.Forward;
    }

    protected override void OnStreamedMessage(byte code, int length, in ReadOnlySequence<byte> available) =>
        _model.OnFrontendMessage((FrontendMessageCode)code);
}
