using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HoopGate.Audit;

/// <summary>
/// The local, append-only home of audit records until the store has them. Each record is one line of a segment file:
/// <code>
/// {"seq":N,"instance":"…","at":"…","kind":"…","session":"…","data":{…}} TAB prev_hash_hex TAB hash_hex LF
/// </code>
/// where <c>hash = SHA-256(prev_hash ‖ the JSON's bytes)</c> chains every record to the one before it in this instance
/// (the spool directory is the instance: it holds its id, its segments and its checkpoint).
/// <para>
/// Group commit: <see cref="Append"/> only serialises into memory; one flusher writes everything appended since its last
/// pass and fsyncs once, then wakes every session waiting in <see cref="WaitDurableAsync"/> for a record of that batch.
/// Under load many sessions' records share one disk flush. When a write or fsync fails the records stay in memory and
/// are retried; until then <see cref="IsHealthy"/> is false and strict mode refuses new statements.
/// </para>
/// <para>
/// Recovery: a crash can leave the last line of the newest segment half-written; at start it is cut off (it was never
/// acknowledged: nobody's wait had returned for it) and the chain continues from the last whole record.
/// </para>
/// </summary>
public sealed partial class AuditSpool : IAsyncDisposable
{
    internal const string SegmentPrefix = "segment-";
    internal const string SegmentSuffix = ".log";
    internal const int HashLength = 32;

    private readonly string _directory;
    private readonly long _segmentBytes;
    private readonly ILogger<AuditSpool> _logger;
    private readonly Lock _lock = new();
    private readonly AutoResetEvent _wake = new(false);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _flusher;
    private ArrayBufferWriter<byte> _pending = new(64 * 1024);
    private ArrayBufferWriter<byte> _writing = new(64 * 1024);
    private TaskCompletionSource<bool>? _pendingBatch;
    private TaskCompletionSource<bool>? _writingBatch;
    private long _pendingLast;
    private long _writingLast;
    private long _last;
    private long _durable;
    private byte[] _lastHash;
    private FileStream? _segment;
    private (string Path, long Length)? _truncate;
    private readonly RecordScratch _scratch = new();
    private volatile bool _healthy = true;
    private long _segmentLength;
    private bool _signalled;
    private bool _idle;

    /// <summary>Opens (or creates) the spool directory and recovers its chain.</summary>
    public AuditSpool(IOptions<AuditOptions> options, ILogger<AuditSpool> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _directory = Path.GetFullPath(options.Value.SpoolDirectory ?? throw new InvalidOperationException("HoopGate:Audit:SpoolDirectory is required"));
        _segmentBytes = options.Value.SegmentBytes;
        _logger = logger;
        System.IO.Directory.CreateDirectory(_directory);
        InstanceId = ReadOrCreateInstanceId(_directory);
        (_last, _lastHash) = Recover();
        _durable = _last;
        _pendingLast = _last;
        // A thread of its own: it spends its life in write and fsync, which would otherwise hold a pool thread each time.
        _flusher = new Thread(FlushLoop) { IsBackground = true, Name = "HoopGate audit flush" };
        _flusher.Start();
    }

    /// <summary>This instance's id: the owner of its hash chain.</summary>
    public Guid InstanceId { get; }

    /// <summary>The spool directory.</summary>
    public string Directory => _directory;

    /// <summary>The last sequence number given out.</summary>
    public long LastSequence
    {
        get
        {
            lock (_lock)
            {
                return _last;
            }
        }
    }

    /// <summary>Every record up to this sequence number is on disk.</summary>
    public long DurableSequence => Interlocked.Read(ref _durable);

    /// <summary>Disk flushes (fsync) so far: records per flush is how well group commit works.</summary>
    public long Flushes => Interlocked.Read(ref _flushes);

    private long _flushes;

    /// <summary>False while records cannot be written to disk.</summary>
    public bool IsHealthy => _healthy;

    /// <summary>
    /// Gives the event its sequence number and place in the chain and queues it. Nothing is flushed for it yet: the next
    /// <see cref="WaitDurableAsync"/> flushes everything queued, and records nobody waits for (statement finishes, session
    /// ends) are flushed within <see cref="LazyFlushMilliseconds"/> — so that a statement's finish record rides along with
    /// the next statement's start record instead of costing a disk flush of its own.
    /// </summary>
    /// <returns>The record's sequence number, for <see cref="WaitDurableAsync"/>.</returns>
    public long Append(AuditEvent auditEvent)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        long sequence;
        bool wake = false;
        lock (_lock)
        {
            sequence = ++_last;
            WriteRecord(_pending, auditEvent, sequence, _lastHash, InstanceId, _scratch);
            _pendingLast = sequence;
            _pendingBatch ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_idle)
            {
                // The flusher sleeps without a deadline (nothing happened for a while): wake it for this record.
                _idle = false;
                wake = true;
            }
        }

        if (wake)
        {
            _wake.Set();
        }

        return sequence;
    }

    /// <summary>How long a record nobody waits for may stay in memory before it is flushed (milliseconds).</summary>
    public const int LazyFlushMilliseconds = 20;

    /// <summary>Completes when record <paramref name="sequence"/> is on disk (true), or its flush failed (false).</summary>
    public ValueTask<bool> WaitDurableAsync(long sequence)
    {
        if (sequence <= Interlocked.Read(ref _durable))
        {
            return new ValueTask<bool>(true);
        }

        lock (_lock)
        {
            if (sequence <= _durable)
            {
                return new ValueTask<bool>(true);
            }

            TaskCompletionSource<bool>? batch = sequence <= _writingLast ? _writingBatch : _pendingBatch;
            if (batch is null)
            {
                return new ValueTask<bool>(_healthy);
            }

            if (batch == _pendingBatch && !_signalled)
            {
                // Someone waits: flush now.
                _signalled = true;
                _wake.Set();
            }

            return new ValueTask<bool>(batch.Task);
        }
    }

    /// <summary>Flushes what is queued and stops the flusher.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _wake.Set();
        _flusher.Join();
        FlushOnce(out _);
        _segment?.Dispose();
        _scratch.Dispose();
        _stop.Dispose();
        _wake.Dispose();
    }

    /// <summary>
    /// Writes one record line into <paramref name="output"/> and moves <paramref name="chain"/> (the previous hash, 32
    /// bytes) on to this record's hash. Reuses <paramref name="scratch"/>'s writer, buffer and hash: called under the
    /// spool's lock, it allocates nothing but what the event's own data needs.
    /// </summary>
    internal static void WriteRecord(IBufferWriter<byte> output, AuditEvent auditEvent, long sequence, Span<byte> chain, Guid instance, RecordScratch scratch)
    {
        ArrayBufferWriter<byte> json = scratch.Json;
        json.ResetWrittenCount();
        Utf8JsonWriter writer = scratch.Writer;
        writer.Reset(json);
        writer.WriteStartObject();
        writer.WriteNumber("seq", sequence);
        writer.WriteString("instance", instance);
        writer.WriteString("at", auditEvent.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
        writer.WriteString("kind", AuditEvent.KindName(auditEvent.Kind));
        if (auditEvent.SessionId is { } session)
        {
            writer.WriteString("session", session);
        }
        else
        {
            writer.WriteNull("session");
        }

        writer.WritePropertyName("data");
        writer.WriteStartObject();
        auditEvent.WriteData(writer);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.Flush();

        // line = json TAB hex(previous) TAB hex(hash) LF
        Span<byte> hash = stackalloc byte[HashLength];
        scratch.Sha.AppendData(chain);
        scratch.Sha.AppendData(json.WrittenSpan);
        scratch.Sha.GetHashAndReset(hash);
        int length = json.WrittenCount + 1 + (HashLength * 2) + 1 + (HashLength * 2) + 1;
        Span<byte> line = output.GetSpan(length);
        json.WrittenSpan.CopyTo(line);
        int position = json.WrittenCount;
        line[position++] = (byte)'\t';
        position += WriteHex(chain, line[position..]);
        line[position++] = (byte)'\t';
        position += WriteHex(hash, line[position..]);
        line[position++] = (byte)'\n';
        output.Advance(position);
        hash.CopyTo(chain);
    }

    private static int WriteHex(ReadOnlySpan<byte> bytes, Span<byte> destination)
    {
        const string Digits = "0123456789abcdef";
        for (int i = 0; i < bytes.Length; i++)
        {
            destination[2 * i] = (byte)Digits[bytes[i] >> 4];
            destination[(2 * i) + 1] = (byte)Digits[bytes[i] & 0xF];
        }

        return bytes.Length * 2;
    }

    /// <summary>SHA-256 of the previous hash followed by the record's bytes.</summary>
    internal static byte[] ChainHash(ReadOnlySpan<byte> previousHash, ReadOnlySpan<byte> record)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(previousHash);
        sha.AppendData(record);
        return sha.GetHashAndReset();
    }

    /// <summary>
    /// The flusher: flushes when a session waits for a record, and otherwise every <see cref="LazyFlushMilliseconds"/>
    /// while records come in (a timed wait instead of a timer, so that no other thread is woken for it); after a quiet
    /// interval it sleeps until the next record.
    /// </summary>
    private void FlushLoop()
    {
        bool timed = true;
        while (true)
        {
            bool woken = _wake.WaitOne(timed ? LazyFlushMilliseconds : Timeout.Infinite);
            if (_stop.IsCancellationRequested)
            {
                return; // DisposeAsync flushes what is left
            }

            if (!FlushOnce(out bool wrote))
            {
                // Try again in a second; records stay queued in order.
                if (_stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(1)))
                {
                    return;
                }

                timed = true;
                continue;
            }

            timed = wrote || woken;
            if (!timed)
            {
                lock (_lock)
                {
                    timed = _pending.WrittenCount > 0;
                    _idle = !timed;
                }
            }
        }
    }

    /// <summary>
    /// Writes and fsyncs everything queued, then completes its waiters (their continuations run on the thread pool, never
    /// on this thread: whatever a waiter does next must not hold up the next flush). <paramref name="wrote"/> says whether
    /// there was anything to write.
    /// </summary>
    private bool FlushOnce(out bool wrote)
    {
        TaskCompletionSource<bool>? batch;
        long last;
        wrote = false;
        lock (_lock)
        {
            _signalled = false;
            if (_pending.WrittenCount == 0)
            {
                return true;
            }

            wrote = true;

            (_pending, _writing) = (_writing, _pending);
            _pending.ResetWrittenCount();
            batch = _writingBatch = _pendingBatch;
            _pendingBatch = null;
            last = _writingLast = _pendingLast;
        }

        long goodLength = -1;
        try
        {
            if (_segment is null)
            {
                _segment = OpenSegment(FirstSequenceOf(_writing.WrittenSpan));
                _segmentLength = _segment.Length;
            }

            FileStream segment = _segment;
            goodLength = _segmentLength;
            segment.Write(_writing.WrittenSpan);
            _segmentLength += _writing.WrittenCount;
            segment.Flush(flushToDisk: true);
            Interlocked.Increment(ref _flushes);
            if (_segmentLength >= _segmentBytes)
            {
                segment.Dispose();
                _segment = null;
            }
        }
#pragma warning disable CA1031 // Whatever stops a flush, the records are kept, the spool is marked unhealthy, and it retries.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            lock (_lock)
            {
                // Put the batch back in front of what arrived meanwhile; it is retried whole.
                var merged = new ArrayBufferWriter<byte>(_writing.WrittenCount + _pending.WrittenCount);
                merged.Write(_writing.WrittenSpan);
                merged.Write(_pending.WrittenSpan);
                _pending = merged;
                _writing = new ArrayBufferWriter<byte>(64 * 1024);
                _pendingBatch ??= batch;
                _writingBatch = null;
                _writingLast = 0;
                if (_healthy)
                {
                    LogSpoolFailed(_directory, ex);
                }

                _healthy = false;
            }

            // The segment may hold part of the batch: cut it back so that the retry appends whole lines after whole lines.
            if (_segment is not null)
            {
                _truncate = (_segment.Name, goodLength);
                _segment.Dispose();
                _segment = null;
            }

            batch?.TrySetResult(false);
            return false;
        }

        lock (_lock)
        {
            Interlocked.Exchange(ref _durable, last);
            _writing.ResetWrittenCount();
            _writingBatch = null;
            if (!_healthy)
            {
                LogSpoolRecovered(_directory);
            }

            _healthy = true;
        }

        batch?.TrySetResult(true);
        return true;
    }

    private FileStream OpenSegment(long firstSequence)
    {
        if (_truncate is ({ } torn, >= 0) && File.Exists(torn))
        {
            using (var cut = new FileStream(torn, FileMode.Open, FileAccess.Write))
            {
                if (cut.Length > _truncate.Value.Length)
                {
                    cut.SetLength(_truncate.Value.Length);
                    cut.Flush(flushToDisk: true);
                }
            }

            _truncate = null;
            return new FileStream(torn, FileMode.Append, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
        }

        _truncate = null;
        string path = Path.Combine(_directory, SegmentName(firstSequence));
        return new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
    }

    /// <summary>The file name of the segment whose first record is <paramref name="firstSequence"/>.</summary>
    public static string SegmentName(long firstSequence) =>
        SegmentPrefix + firstSequence.ToString("D20", CultureInfo.InvariantCulture) + SegmentSuffix;

    /// <summary>The spool's segment files, oldest first.</summary>
    public static string[] Segments(string directory)
    {
        string[] files = System.IO.Directory.GetFiles(directory, SegmentPrefix + "*" + SegmentSuffix);
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    private static long FirstSequenceOf(ReadOnlySpan<byte> lines) =>
        SpooledRecord.TryParse(lines[..(lines.IndexOf((byte)'\n') + 1)], out SpooledRecord? record) ? record.Sequence : 0;

    private static Guid ReadOrCreateInstanceId(string directory)
    {
        string path = Path.Combine(directory, "instance");
        if (File.Exists(path) && Guid.TryParse(File.ReadAllText(path).Trim(), out Guid existing))
        {
            return existing;
        }

        Guid created = Guid.CreateVersion7();
        File.WriteAllText(path, created.ToString() + "\n");
        return created;
    }

    /// <summary>Finds the chain's end: the last whole record of the newest segment, or the checkpoint when all shipped.</summary>
    private (long Last, byte[] Hash) Recover()
    {
        string[] segments = Segments(_directory);
        for (int i = segments.Length - 1; i >= 0; i--)
        {
            byte[] bytes = File.ReadAllBytes(segments[i]);
            long validLength = 0;
            SpooledRecord? last = null;
            int offset = 0;
            while (offset < bytes.Length)
            {
                int end = Array.IndexOf(bytes, (byte)'\n', offset);
                if (end < 0 || !SpooledRecord.TryParse(bytes.AsSpan(offset, end - offset + 1), out SpooledRecord? record) || !record.HashIsValid())
                {
                    break;
                }

                last = record;
                offset = end + 1;
                validLength = offset;
            }

            if (validLength < bytes.Length)
            {
                LogTornTail(segments[i], bytes.Length - validLength);
                using var stream = new FileStream(segments[i], FileMode.Open, FileAccess.Write);
                stream.SetLength(validLength);
                stream.Flush(flushToDisk: true);
            }

            if (last is not null)
            {
                return (last.Sequence, last.Hash);
            }

            File.Delete(segments[i]);
        }

        AuditCheckpoint checkpoint = AuditCheckpoint.Read(_directory);
        return (checkpoint.Sequence, checkpoint.Hash);
    }

    [LoggerMessage(EventId = 6000, Level = LogLevel.Error, Message = "The audit spool in {Directory} cannot be written; statements are refused in strict mode until it can")]
    private partial void LogSpoolFailed(string directory, Exception exception);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "The audit spool in {Directory} is writable again")]
    private partial void LogSpoolRecovered(string directory);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "Audit spool segment {Segment} ended in {Bytes} bytes of a record torn by a crash; they were cut off")]
    private partial void LogTornTail(string segment, long bytes);
}
