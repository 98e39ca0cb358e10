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
/// normalised text, then the session's remembered verdict. Must allocate 0 B without masking; with it (a catalog
/// snapshot holding pgbench_accounts, nothing protected) the plan of the RowDescription and the request's context are
/// made per round trip.
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

    [Params(false, true)]
    public bool Masking { get; set; }

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
        HoopGate.Masking.MaskingSession? masking = Masking ? CreateMasking() : null;
        _frontend = new FrontendRelay(_model, BenchmarkPolicy.CreateGate(masking), null, masking, 64 * 1024 * 1024, MessageRelayLimits.MaxLength);
        _backend = new BackendRelay(_model, masking, 64 * 1024 * 1024, MessageRelayLimits.MaxLength);
    }

    private static HoopGate.Masking.MaskingSession CreateMasking()
    {
        var catalog = new HoopGate.Masking.Catalog.CatalogSnapshot(
            [new HoopGate.Masking.Catalog.CatalogRelation(16400, "public", "pgbench_accounts", 'r',
                [new(1, "aid", 23, null), new(2, "bid", 23, null), new(3, "abalance", 23, null), new(4, "filler", 1042, null)], null)],
            [],
            DateTimeOffset.UtcNow);
        var cache = new HoopGate.Masking.Catalog.CatalogCache(
            _ => throw new InvalidOperationException(),
            Microsoft.Extensions.Options.Options.Create(new HoopGate.Masking.MaskingOptions { CatalogRefreshSeconds = 1e9 }),
            TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<HoopGate.Masking.Catalog.CatalogCache>.Instance);
        var session = new HoopGate.Masking.MaskingSession(cache, "bench", new HoopGate.Masking.PseudonymKey(new byte[32]));
        session.Use(catalog);
        return session;
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
