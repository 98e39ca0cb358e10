using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using HoopGate.Gateway.Interception;
using HoopGate.Gateway.Sessions;
using HoopGate.Masking;
using HoopGate.Masking.Catalog;
using HoopGate.Policy;
using HoopGate.Protocol.Errors;
using HoopGate.Protocol.Framing;
using HoopGate.Protocol.Frontend;
using HoopGate.Sql;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace HoopGate.Fuzz;

/// <summary>
/// What the fuzzer drives: each target takes arbitrary bytes and runs the gateway's own code on them as a session
/// would. Refusing bad input with a <see cref="PgProtocolException"/> (the session's FATAL with its SQLSTATE) is the
/// designed outcome; any other exception, a hang or a crash is a defect.
/// </summary>
public static class FuzzTargets
{
    /// <summary>The targets, by the name the fuzzer and the corpus directories use.</summary>
    public static IReadOnlyList<string> Names { get; } = ["startup", "session", "rewriters", "sql"];

    /// <summary>Largest message a fuzz session inspects (small, so that length fields near it are reachable).</summary>
    private const int MaxMessageLength = 64 * 1024;

    private const uint Patients = 16400;
    private const uint Visits = 16401;
    private const uint Text = 25;
    private const uint Int8 = 20;

    private const string PolicyYaml = """
        version: 1
        everyone:
          statements: [select, copy, show, set, transaction, utility, insert, update]
          read: [clinic.*, pg_catalog.*]
          write: [clinic.visits]
        functions:
          deny: [pg_read_file, pg_stat_get_activity]
        guardrails:
          - name: unbounded-write
            action: deny
            reason: UPDATE needs a WHERE clause
            unboundedWrite: true
          - name: destructive-ddl
            action: review
            reason: dropping needs approval
            commands: ["DROP *", TRUNCATE]
        masking:
          refusePredicates: true
          columns:
            clinic.patients.ssn: ssn
          classes:
            ssn: { method: partial, keep: 4 }
          detectors: [ssn, email]
        """;

    /// <summary>Runs <paramref name="target"/> on one input.</summary>
    public static void Run(string target, ReadOnlySpan<byte> input)
    {
        switch (target)
        {
            case "startup":
                Startup(input);
                break;
            case "session":
                Session(input);
                break;
            case "rewriters":
                Rewriters(input);
                break;
            case "sql":
                Sql(input);
                break;
            default:
                throw new ArgumentException("unknown fuzz target " + target + "; targets: " + string.Join(", ", Names), nameof(target));
        }
    }

    /// <summary>
    /// The startup packet and message framer: packets as the listener reads them (SSLRequest, GSSENCRequest,
    /// CancelRequest, StartupMessage), then frontend messages with the password message read as the authenticator does.
    /// The first byte sets how the rest is cut into buffer segments (messages split across segments).
    /// </summary>
    public static void Startup(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        ReadOnlySequence<byte> buffer = Segmented(input[1..], (input[0] % 13) + 1);
        try
        {
            while (PgFraming.TryReadStartupPacket(ref buffer, 10_000, out ReadOnlySequence<byte> packet))
            {
                switch (StartupPacket.GetKind(packet))
                {
                    case StartupPacketKind.CancelRequest:
                        _ = CancelRequest.Read(packet);
                        break;
                    case StartupPacketKind.StartupMessage:
                        StartupMessage startup = StartupMessage.Read(packet);
                        _ = startup.Parameters.Count;
                        Messages(ref buffer);
                        return;
                    case StartupPacketKind.SSLRequest:
                    case StartupPacketKind.GSSENCRequest:
                        break;
                    default:
                        return;
                }
            }
        }
        catch (PgProtocolException)
        {
        }
    }

    private static void Messages(ref ReadOnlySequence<byte> buffer)
    {
        while (PgFraming.TryReadMessage(ref buffer, MaxMessageLength, out byte code, out ReadOnlySequence<byte> body))
        {
            if (code == (byte)'p')
            {
                _ = PasswordMessage.Read(body);
            }
        }
    }

    /// <summary>
    /// The session state machine with policy and masking: both directions of one session through the relays, in the
    /// order the input says. Input: records of [direction byte (even: client to server, odd: server to client)]
    /// [length, 2 bytes big-endian][that many bytes].
    /// </summary>
    public static void Session(ReadOnlySpan<byte> input)
    {
        using var session = new FuzzSession();
        while (input.Length >= 3)
        {
            bool toServer = (input[0] & 1) == 0;
            int length = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(input[1..]), input.Length - 3);
            ReadOnlySpan<byte> bytes = input.Slice(3, length);
            input = input[(3 + length)..];
            if (!session.Feed(toServer, bytes))
            {
                return;
            }
        }
    }

    /// <summary>
    /// The backend rewriters (DataRow masking, COPY rows, error and notice scrubbing): a real statement goes up first
    /// (chosen by the first byte), then the rest of the input is the server's answer, cut into segments.
    /// </summary>
    public static void Rewriters(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        using var session = new FuzzSession();
        string sql = (input[0] % 4) switch
        {
            0 => "SELECT id, ssn, email, diagnosis FROM clinic.patients",
            1 => "COPY clinic.patients TO STDOUT",
            2 => "COPY (SELECT ssn, diagnosis FROM clinic.patients) TO STDOUT WITH (FORMAT csv)",
            _ => "SELECT p.ssn, v.notes FROM clinic.patients p JOIN clinic.visits v ON v.patient_id = p.id",
        };
        var request = new ArrayBufferWriter<byte>();
        new Query(sql).WriteTo(request);
        if (!session.Feed(toServer: true, request.WrittenSpan))
        {
            throw new InvalidOperationException("the rewriters' prelude was refused: " + sql);
        }

        int segment = input.Length > 1 ? (input[1] % 61) + 1 : 1;
        ReadOnlySpan<byte> answer = input[Math.Min(2, input.Length)..];
        while (!answer.IsEmpty)
        {
            int take = Math.Min(segment, answer.Length);
            if (!session.Feed(toServer: false, answer[..take]))
            {
                return;
            }

            answer = answer[take..];
        }
    }

    /// <summary>
    /// The SQL analysis wrapper: arbitrary bytes as a Query's SQL through libpg_query, the policy and the masking checks,
    /// and, where it is valid, a result plan for each statement.
    /// </summary>
    public static void Sql(ReadOnlySpan<byte> input)
    {
        MaskingSession masking = NewMasking();
        var gate = new StatementGate(Shared.Policy.Value, Shared.Analyses, ["analysts"], masking);
        _ = gate.Judge(input, out SqlAnalysis analysis);
        SqlAnalysis direct = SqlAnalyzer.Analyze(input);
        if (direct.IsValid != analysis.IsValid)
        {
            throw new InvalidOperationException("the cache and a fresh analysis disagree on whether the SQL is valid");
        }

        if (!analysis.IsValid)
        {
            return;
        }

        byte[] fields = RowDescriptionOfPatients();
        foreach (StatementInfo statement in analysis.Statements)
        {
            _ = masking.Plan(statement, fields);
        }
    }

    internal static MaskingSession NewMasking()
    {
        var masking = new MaskingSession(Shared.CatalogCache, "clinic", Shared.Pseudonyms);
        masking.Use(Shared.Catalog);
        return masking;
    }

    internal static StatementGate NewGate(MaskingSession masking) => new(Shared.Policy.Value, Shared.Analyses, ["analysts"], masking);

    private static byte[] RowDescriptionOfPatients()
    {
        var body = new ArrayBufferWriter<byte>();
        Span<byte> count = stackalloc byte[2];
        BinaryPrimitives.WriteInt16BigEndian(count, 2);
        body.Write(count);
        Span<byte> field = stackalloc byte[18];
        for (short attribute = 1; attribute <= 2; attribute++)
        {
            body.Write("c\0"u8);
            field.Clear();
            BinaryPrimitives.WriteUInt32BigEndian(field, Patients);
            BinaryPrimitives.WriteInt16BigEndian(field[4..], attribute);
            BinaryPrimitives.WriteUInt32BigEndian(field[6..], attribute == 1 ? Int8 : Text);
            BinaryPrimitives.WriteInt16BigEndian(field[10..], -1);
            body.Write(field);
        }

        return body.WrittenSpan.ToArray();
    }

    /// <summary>
    /// What every input shares, made on first use: SharpFuzz's instrumented assemblies must not run before the fuzzer has
    /// mapped its coverage map, so nothing of theirs may run in this class's static constructor.
    /// </summary>
    private static class Shared
    {
        public static readonly CatalogSnapshot Catalog = new(
            [
                new CatalogRelation(Patients, "clinic", "patients", 'r',
                    [new(1, "id", Int8, null), new(2, "ssn", Text, null), new(3, "email", Text, "phi:email"), new(4, "diagnosis", Text, null)], null),
                new CatalogRelation(Visits, "clinic", "visits", 'r', [new(1, "id", Int8, null), new(2, "patient_id", Int8, null), new(3, "notes", Text, "phi:note")], null),
            ],
            [],
            DateTimeOffset.UtcNow);

        public static readonly Lazy<PolicyProvider> Policy = new(CreatePolicy);
        public static readonly SqlAnalysisCache Analyses = new(Options.Create(new SqlOptions()));
        public static readonly CatalogCache CatalogCache = new(
            _ => throw new InvalidOperationException("fuzz sessions never read a catalog"),
            Options.Create(new MaskingOptions { CatalogRefreshSeconds = 1e9 }),
            TimeProvider.System,
            NullLogger<CatalogCache>.Instance);

        public static readonly PseudonymKey Pseudonyms = new(Encoding.UTF8.GetBytes("hoopgate-fuzz-pseudonym-key-0123456789abcdef"));
    }

    /// <summary><paramref name="bytes"/> as a sequence of segments of <paramref name="size"/> bytes.</summary>
    internal static ReadOnlySequence<byte> Segmented(ReadOnlySpan<byte> bytes, int size)
    {
        if (bytes.Length <= size)
        {
            return new ReadOnlySequence<byte>(bytes.ToArray());
        }

        var first = new Segment(bytes[..size].ToArray(), 0);
        Segment last = first;
        for (int offset = size; offset < bytes.Length; offset += size)
        {
            last = last.Append(bytes.Slice(offset, Math.Min(size, bytes.Length - offset)).ToArray());
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private static PolicyProvider CreatePolicy()
    {
        string directory = Path.Combine(Path.GetTempPath(), "hoopgate-fuzz-policy-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, "policy.yaml");
        File.WriteAllText(path, PolicyYaml);
        return new PolicyProvider(Options.Create(new PolicyOptions { Path = path, WatchFile = false }), NullLogger<PolicyProvider>.Instance);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes, long runningIndex)
        {
            Memory = bytes;
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] bytes)
        {
            var next = new Segment(bytes, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
