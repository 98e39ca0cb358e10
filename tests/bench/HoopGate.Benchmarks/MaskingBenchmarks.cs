using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using BenchmarkDotNet.Attributes;
using HoopGate.Masking;
using HoopGate.Masking.Catalog;
using HoopGate.Policy;
using HoopGate.Protocol.Backend;
using HoopGate.Sql;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace HoopGate.Benchmarks;

/// <summary>
/// DataRow rewriting on one core: a clinic.patients row (id, ssn, email, phone, diagnosis) with three columns masked
/// (partial, email, partial), and the plan of its RowDescription. Rows per second = 1 / mean.
/// </summary>
[MemoryDiagnoser]
public class MaskingBenchmarks
{
    private const uint Patients = 16400;
    private static readonly string[] s_values = ["123456", "900-12-3456", "patient123456@example.test", "555-010-3456", "type 2 diabetes"];

    private readonly ArrayBufferWriter<byte> _output = new(1024);
    private readonly ArrayBufferWriter<byte> _scratch = new(256);
    private byte[] _row = null!;
    private byte[] _rowDescription = null!;
    private ResultPlan _plan = null!;
    private MaskingSession _session = null!;
    private StatementInfo _statement = null!;
    private PseudonymKey _key = null!;

    [GlobalSetup]
    public void Setup()
    {
        PolicySnapshot policy = PolicyLoader.Load(
            """
            version: 1
            everyone: { statements: [select], read: [clinic.*] }
            masking:
              columns: { clinic.patients.ssn: ssn, clinic.patients.email: email, clinic.patients.phone: phone }
              classes: { ssn: { method: partial, keep: 4 }, phone: { method: partial, keep: 4 } }
            """,
            "bench.yaml").Snapshot!;
        var catalog = new CatalogSnapshot(
            [new CatalogRelation(Patients, "clinic", "patients", 'r',
                [new(1, "id", 20, null), new(2, "ssn", 25, null), new(3, "email", 25, null), new(4, "phone", 25, null), new(5, "diagnosis", 25, null)], null)],
            [],
            DateTimeOffset.UtcNow);
        var cache = new CatalogCache(_ => throw new InvalidOperationException(), Options.Create(new MaskingOptions()), TimeProvider.System, NullLogger<CatalogCache>.Instance);
        _key = new PseudonymKey(Encoding.UTF8.GetBytes("masking-benchmark-key-0123456789abcdef"));
        _session = new MaskingSession(cache, "clinic", _key);
        _session.Use(catalog);
        SessionPolicy rules = policy.ForGroups([]);
        SqlAnalysis analysis = SqlAnalyzer.Analyze("SELECT id, ssn, email, phone, diagnosis FROM clinic.patients");
        _session.Check(analysis, rules);
        _statement = analysis.Statements[0];

        var description = new ArrayBufferWriter<byte>();
        new RowDescription([
            Field("id", 1, 20), Field("ssn", 2, 25), Field("email", 3, 25), Field("phone", 4, 25), Field("diagnosis", 5, 25)]).WriteTo(description);
        _rowDescription = description.WrittenSpan[5..].ToArray();
        _plan = _session.Plan(_statement, _rowDescription);

        var row = new ArrayBufferWriter<byte>();
        new DataRow([.. s_values.Select(v => (byte[]?)Encoding.UTF8.GetBytes(v))]).WriteTo(row);
        _row = row.WrittenSpan.ToArray();
        if (BinaryPrimitives.ReadInt32BigEndian(_row.AsSpan(1)) != _row.Length - 1)
        {
            throw new InvalidOperationException("bad row");
        }
    }

    [Benchmark(Description = "DataRow rewrite, 3 of 5 columns masked")]
    public int RewriteRow()
    {
        _output.ResetWrittenCount();
        _plan.RewriteDataRow(_row, _output, _key, _scratch);
        return _output.WrittenCount;
    }

    [Benchmark(Description = "plan of a RowDescription (5 columns, 3 masked)")]
    public ResultPlan PlanRowDescription() => _session.Plan(_statement, _rowDescription);

    private static FieldDescription Field(string name, short attribute, uint type) =>
        new(name, Patients, attribute, type, -1, -1, HoopGate.Protocol.Framing.FormatCode.Text);
}
