using HoopGate.Gateway.Sessions;
using HoopGate.Protocol.Backend;
using HoopGate.Protocol.Frontend;

namespace HoopGate.Tests.Sessions;

public sealed class SessionModelTests
{
    private readonly SessionModel _model = new();
    private readonly List<(PendingKind Kind, RequestOutcome Outcome)> _completed = [];

    public SessionModelTests()
    {
        _model.RequestCompleted = (kind, outcome, _) => _completed.Add((kind, outcome));
    }

    [Fact]
    public void Simple_query_with_two_statements_completes_at_ready_for_query()
    {
        _model.OnFrontendMessage(FrontendMessageCode.Query);
        Backend(BackendMessageCode.RowDescription, BackendMessageCode.DataRow, BackendMessageCode.CommandComplete);
        Backend(BackendMessageCode.CommandComplete);
        Assert.Empty(_completed);
        Assert.Equal(1, _model.InFlight);

        _model.OnBackendMessage(BackendMessageCode.ReadyForQuery, (byte)'I');

        Assert.Equal([(PendingKind.SimpleQuery, RequestOutcome.Completed)], _completed);
        Assert.Equal(2, _model.StatementsCompleted);
        Assert.True(_model.IsIdle);
        Assert.Equal(0, _model.Anomalies);
    }

    [Fact]
    public void Pipelined_extended_batch_pairs_each_request_with_its_answer()
    {
        foreach (FrontendMessageCode code in new[] { FrontendMessageCode.Parse, FrontendMessageCode.Bind, FrontendMessageCode.Describe, FrontendMessageCode.Execute, FrontendMessageCode.Sync })
        {
            _model.OnFrontendMessage(code);
        }

        Backend(BackendMessageCode.ParseComplete, BackendMessageCode.BindComplete, BackendMessageCode.RowDescription,
            BackendMessageCode.DataRow, BackendMessageCode.CommandComplete);
        _model.OnBackendMessage(BackendMessageCode.ReadyForQuery, (byte)'T');

        Assert.Equal(
            [
                (PendingKind.Parse, RequestOutcome.Completed), (PendingKind.Bind, RequestOutcome.Completed),
                (PendingKind.Describe, RequestOutcome.Completed), (PendingKind.Execute, RequestOutcome.Completed),
                (PendingKind.Sync, RequestOutcome.Completed),
            ],
            _completed);
        Assert.Equal(TransactionStatus.InTransactionBlock, _model.TransactionStatus);
        Assert.Equal(0, _model.Anomalies);
    }

    [Fact]
    public void Error_in_extended_batch_skips_everything_up_to_sync_as_the_server_does()
    {
        foreach (FrontendMessageCode code in new[]
                 {
                     FrontendMessageCode.Parse, FrontendMessageCode.Bind, FrontendMessageCode.Execute, FrontendMessageCode.Sync,
                     FrontendMessageCode.Parse, FrontendMessageCode.Sync,
                 })
        {
            _model.OnFrontendMessage(code);
        }

        Backend(BackendMessageCode.ParseComplete, BackendMessageCode.ErrorResponse);
        _model.OnBackendMessage(BackendMessageCode.ReadyForQuery, (byte)'I');

        Assert.Equal(
            [
                (PendingKind.Parse, RequestOutcome.Completed), (PendingKind.Bind, RequestOutcome.Failed),
                (PendingKind.Execute, RequestOutcome.Skipped), (PendingKind.Sync, RequestOutcome.Completed),
            ],
            _completed);
        Assert.Equal(2, _model.InFlight);

        Backend(BackendMessageCode.ParseComplete);
        _model.OnBackendMessage(BackendMessageCode.ReadyForQuery, (byte)'I');
        Assert.True(_model.IsIdle);
        Assert.Equal(1, _model.StatementsFailed);
        Assert.Equal(0, _model.Anomalies);
    }

    [Fact]
    public void Failed_transaction_status_is_reported_from_ready_for_query()
    {
        _model.OnFrontendMessage(FrontendMessageCode.Query);
        Backend(BackendMessageCode.ErrorResponse);
        _model.OnBackendMessage(BackendMessageCode.ReadyForQuery, (byte)'E');

        Assert.Equal(TransactionStatus.InFailedTransactionBlock, _model.TransactionStatus);
        Assert.Equal([(PendingKind.SimpleQuery, RequestOutcome.Failed)], _completed);
    }

    [Fact]
    public void Copy_in_is_tracked_until_command_complete()
    {
        _model.OnFrontendMessage(FrontendMessageCode.Query);
        Backend(BackendMessageCode.CopyInResponse);
        Assert.True(_model.InCopy);
        _model.OnFrontendMessage(FrontendMessageCode.CopyData);
        _model.OnFrontendMessage(FrontendMessageCode.CopyDone);
        Backend(BackendMessageCode.CommandComplete);
        Assert.False(_model.InCopy);
        _model.OnBackendMessage(BackendMessageCode.ReadyForQuery, (byte)'I');
        Assert.True(_model.IsIdle);
        Assert.Equal(1, _model.StatementsCompleted);
    }

    [Fact]
    public void Asynchronous_messages_pair_with_nothing()
    {
        Backend(BackendMessageCode.NotificationResponse, BackendMessageCode.ParameterStatus, BackendMessageCode.NoticeResponse);
        Assert.True(_model.IsIdle);
        Assert.Equal(0, _model.Anomalies);
        Assert.Empty(_completed);
    }

    [Fact]
    public void Ready_for_query_with_nothing_in_flight_counts_as_an_anomaly()
    {
        _model.OnBackendMessage(BackendMessageCode.ReadyForQuery, (byte)'I');
        Assert.Equal(1, _model.Anomalies);
    }

    [Fact]
    public void Many_pipelined_requests_grow_the_queue_without_losing_order()
    {
        for (int i = 0; i < 100; i++)
        {
            _model.OnFrontendMessage(FrontendMessageCode.Parse);
            _model.OnFrontendMessage(FrontendMessageCode.Sync);
        }

        for (int i = 0; i < 100; i++)
        {
            Backend(BackendMessageCode.ParseComplete);
            _model.OnBackendMessage(BackendMessageCode.ReadyForQuery, (byte)'I');
        }

        Assert.Equal(200, _completed.Count);
        Assert.All(_completed, c => Assert.Equal(RequestOutcome.Completed, c.Outcome));
        Assert.True(_model.IsIdle);
        Assert.Equal(0, _model.Anomalies);
    }

    private void Backend(params BackendMessageCode[] codes)
    {
        foreach (BackendMessageCode code in codes)
        {
            _model.OnBackendMessage(code);
        }
    }
}
