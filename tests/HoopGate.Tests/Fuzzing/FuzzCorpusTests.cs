using HoopGate.Fuzz;
using HoopGate.Tests.Policy;

namespace HoopGate.Tests.Fuzzing;

/// <summary>
/// The fuzz corpus (seeds from real captures and what campaigns added) and every input a campaign found a defect with,
/// replayed through the same targets the fuzzer drives: each is refused cleanly or relayed, never an unexpected
/// exception, a hang or a crash (tests/fuzz/run.sh runs the campaigns).
/// </summary>
public sealed class FuzzCorpusTests
{
    private static readonly string s_fuzz = Path.Combine(PolicyLoaderTests.RepositoryRoot(), "tests", "fuzz");

    public static TheoryData<string> Targets() => new(FuzzTargets.Names);

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Every_corpus_and_regression_input_of_a_target_runs_without_an_unexpected_exception_or_hang(string target)
    {
        string[] inputs = [.. Inputs("corpus", target), .. Inputs("regressions", target)];
        Assert.NotEmpty(Inputs("corpus", target));

        foreach (string input in inputs)
        {
            byte[] bytes = await File.ReadAllBytesAsync(input);
            Exception? failure = await Task.Run(() => Record.Exception(() => FuzzTargets.Run(target, bytes))).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(failure is null, Path.GetRelativePath(s_fuzz, input) + ": " + failure);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_datarow_with_a_negative_column_count_is_a_protocol_violation_not_a_stack_overflow(bool described)
    {
        // After a SELECT over masked columns the server sends a DataRow whose Int16 column count is -32768; without a
        // RowDescription first its plan is "unknown" (masked whole), which is where the count reached a stackalloc.
        byte[] row = [(byte)'D', 0, 0, 0, 6, 0x80, 0x00];
        byte[] answer = described ? [.. RowDescription(), .. row] : row;

        FuzzTargets.Rewriters([0, 60, .. answer]);
    }

    [Fact]
    public void A_relay_refuses_message_limits_whose_length_plus_one_would_overflow()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HoopGate.Gateway.Sessions.BackendRelay(new HoopGate.Gateway.Sessions.SessionModel(), null, 1024, int.MaxValue));
    }

    private static IEnumerable<string> Inputs(string kind, string target)
    {
        string directory = Path.Combine(s_fuzz, kind, target);
        return Directory.Exists(directory) ? Directory.GetFiles(directory).Order(StringComparer.Ordinal) : [];
    }

    /// <summary>RowDescription of clinic.patients' id and ssn, as the fuzz targets' catalog knows them.</summary>
    private static byte[] RowDescription()
    {
        byte[] field(short attribute, uint type) =>
            [(byte)'c', 0, 0, 0, 0x40, 0x10, 0, (byte)attribute, 0, 0, 0, (byte)type, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0];
        byte[] body = [0, 2, .. field(1, 20), .. field(2, 25)];
        int length = body.Length + 4;
        return [(byte)'T', (byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length, .. body];
    }
}
