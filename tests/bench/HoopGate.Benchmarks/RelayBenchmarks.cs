using System.Buffers;
using BenchmarkDotNet.Attributes;
using HoopGate.Gateway.Sessions;
using HoopGate.Protocol.Backend;
using HoopGate.Protocol.Frontend;

namespace HoopGate.Benchmarks;

/// <summary>
/// The pass-through hot path: one pgbench -S round trip per operation (Query one way; RowDescription, DataRow,
/// CommandComplete, ReadyForQuery the other) relayed into the output buffer, as the pumps do, with the statement judged
/// by the default policy: its literal makes the exact text miss, so this includes finding the analysis by libpg_query's
/// normalised text, then the session's remembered verdict. Must allocate 0 B.
/// </summary>
[MemoryDiagnoser]
public class RelayBenchmarks
{
    private readonly OutputBuffer _sink = new();
    private ReadOnlySequence<byte> _request;
    private ReadOnlySequence<byte> _response;
    private SessionModel _model = null!;
    private FrontendRelay _frontend = null!;
    private BackendRelay _backend = null!;

    [GlobalSetup]
    public void Setup()
    {
        var request = new ArrayBufferWriter<byte>();
        new Query("SELECT abalance FROM pgbench_accounts WHERE aid = 81234;").WriteTo(request);
        _request = new ReadOnlySequence<byte>(request.WrittenMemory);

        var response = new ArrayBufferWriter<byte>();
        new RowDescription([new FieldDescription("abalance", 16400, 3, 23, 4, -1, HoopGate.Protocol.Framing.FormatCode.Text)]).WriteTo(response);
        new DataRow([System.Text.Encoding.ASCII.GetBytes("-2435")]).WriteTo(response);
        new CommandComplete("SELECT 1").WriteTo(response);
        new ReadyForQuery(TransactionStatus.Idle).WriteTo(response);
        _response = new ReadOnlySequence<byte>(response.WrittenMemory);

        _model = new SessionModel();
        _frontend = new FrontendRelay(_model, BenchmarkPolicy.CreateGate(), null, null, 64 * 1024 * 1024, int.MaxValue);
        _backend = new BackendRelay(_model, null, 64 * 1024 * 1024, int.MaxValue);
    }

    [Benchmark(Description = "pgbench -S round trip: Query + T/D/C/Z")]
    public long RoundTrip()
    {
        ReadOnlySequence<byte> request = _request;
        _frontend.Process(ref request, _sink);
        ReadOnlySequence<byte> response = _response;
        _backend.Process(ref response, _sink);
        _sink.Reset();
        return _model.StatementsCompleted;
    }
}
