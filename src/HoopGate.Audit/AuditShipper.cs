using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace HoopGate.Audit;

/// <summary>
/// Moves durable records from the spool into the store, in order, in batches:
/// <list type="number">
/// <item>read up to <see cref="AuditOptions.ShipBatchSize"/> records after the checkpoint (never past what is fsync'd);</item>
/// <item>make sure their months' partitions exist;</item>
/// <item>binary COPY them into a temporary table and insert them with ON CONFLICT DO NOTHING — a batch replayed after a
/// crash between commit and checkpoint is not recorded twice;</item>
/// <item>commit, then move the checkpoint and delete the segments wholly before it.</item>
/// </list>
/// When the store is unreachable the spool simply grows and the shipper retries with back-off; it catches up when the
/// store returns. The spool is never truncated before the store has committed.
/// </summary>
public sealed partial class AuditShipper : BackgroundService
{
    private readonly AuditSpool _spool;
    private readonly AuditStore _store;
    private readonly AuditOptions _options;
    private readonly ILogger<AuditShipper> _logger;
    private readonly SemaphoreSlim _shipping = new(1, 1);
    private AuditCheckpoint _checkpoint;
    private string? _segment;
    private long _offset;
    private readonly HashSet<DateTime> _partitions = [];
    private bool _storeDown;
    private long _shipped;

    /// <summary>Creates the shipper.</summary>
    public AuditShipper(AuditSpool spool, AuditStore store, IOptions<AuditOptions> options, ILogger<AuditShipper> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _spool = spool;
        _store = store;
        _options = options.Value;
        _logger = logger;
        _checkpoint = AuditCheckpoint.Read(spool.Directory);
    }

    /// <summary>The last sequence number the store has committed.</summary>
    public long ShippedSequence => Interlocked.Read(ref _shipped);

    /// <summary>Records waiting in the spool for the store.</summary>
    public long Backlog => _spool.DurableSequence - ShippedSequence;

    /// <inheritdoc />
    public override void Dispose()
    {
        _shipping.Dispose();
        base.Dispose();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Interlocked.Exchange(ref _shipped, _checkpoint.Sequence);
        TimeSpan backoff = TimeSpan.FromMilliseconds(250);
        bool schemaReady = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!schemaReady)
                {
                    schemaReady = await EnsureSchemaAsync(stoppingToken);
                    if (!schemaReady)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
                        continue;
                    }
                }

                int shipped = await ShipOnceAsync(stoppingToken);
                if (_storeDown)
                {
                    LogStoreBack(Backlog);
                    _storeDown = false;
                }

                backoff = TimeSpan.FromMilliseconds(250);
                if (shipped < _options.ShipBatchSize)
                {
                    await Task.Delay(_options.ShipIntervalMilliseconds, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // A background loop is a boundary: whatever goes wrong, the spool keeps the records and it retries.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                if (!_storeDown)
                {
                    LogStoreDown(ex.Message);
                    _storeDown = true;
                }

                await Task.Delay(backoff, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(15).Ticks));
            }
        }
    }

    /// <summary>Ships everything appended so far (tests, and the CLI); returns how many records went.</summary>
    public async Task<int> DrainAsync(CancellationToken cancellationToken = default)
    {
        await _spool.WaitDurableAsync(_spool.LastSequence);
        int total = 0;
        while (true)
        {
            int shipped = await ShipOnceAsync(cancellationToken);
            total += shipped;
            if (shipped == 0)
            {
                return total;
            }
        }
    }

    private async Task<bool> EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _store.OpenAsync(cancellationToken);
        if (_options.MigrateOnStart)
        {
            await AuditSchema.MigrateAsync(connection, cancellationToken);
            return true;
        }

        int version = await AuditSchema.VersionAsync(connection, cancellationToken);
        if (version < AuditSchema.CurrentVersion)
        {
            LogSchemaMissing(version, AuditSchema.CurrentVersion);
            return false;
        }

        return true;
    }

    private async Task<int> ShipOnceAsync(CancellationToken cancellationToken)
    {
        await _shipping.WaitAsync(cancellationToken);
        try
        {
            return await ShipBatchAsync(cancellationToken);
        }
        finally
        {
            _shipping.Release();
        }
    }

    private async Task<int> ShipBatchAsync(CancellationToken cancellationToken)
    {
        List<SpooledRecord> batch = ReadBatch(out string? endSegment, out long endOffset);
        if (batch.Count == 0)
        {
            (_segment, _offset) = (endSegment, endOffset);
            return 0;
        }

        try
        {
            // The batch goes straight into the records table; only when some of it is there already (a batch committed
            // before a crash could move the checkpoint) is it copied again through a table that drops the duplicates.
            bool copied = await CopyBatchAsync(batch, deduplicate: false, cancellationToken);
            if (!copied)
            {
                await CopyBatchAsync(batch, deduplicate: true, cancellationToken);
            }
        }
        catch
        {
            // A partition may have been dropped, or the store replaced: ask for every month again.
            _partitions.Clear();
            throw;
        }

        SpooledRecord last = batch[^1];
        _checkpoint = new AuditCheckpoint(last.Sequence, last.Hash);
        _checkpoint.Write(_spool.Directory);
        (_segment, _offset) = (endSegment, endOffset);
        Interlocked.Exchange(ref _shipped, last.Sequence);
        DeleteShippedSegments();
        return batch.Count;
    }

    /// <summary>
    /// Copies a batch in one transaction. Without <paramref name="deduplicate"/> the rows go straight into the records
    /// table, and false means some were already there (nothing was committed); with it they pass through a temporary
    /// table and <c>ON CONFLICT DO NOTHING</c>.
    /// </summary>
    private async Task<bool> CopyBatchAsync(List<SpooledRecord> batch, bool deduplicate, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _store.OpenAsync(cancellationToken);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (SpooledRecord record in batch)
        {
            var month = new DateTime(record.OccurredAt.Year, record.OccurredAt.Month, 1, 0, 0, 0, DateTimeKind.Utc);
            if (_partitions.Add(month))
            {
                await using var partition = new NpgsqlCommand("SELECT hoopgate_audit.ensure_partition($1)", connection, transaction);
                partition.Parameters.Add(new NpgsqlParameter { Value = month, NpgsqlDbType = NpgsqlDbType.TimestampTz });
                await partition.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        string target = "hoopgate_audit.records";
        if (deduplicate)
        {
            await using var create = new NpgsqlCommand("CREATE TEMP TABLE incoming (LIKE hoopgate_audit.records) ON COMMIT DROP", connection, transaction);
            await create.ExecuteNonQueryAsync(cancellationToken);
            target = "incoming";
        }

        try
        {
            await using (NpgsqlBinaryImporter importer = await connection.BeginBinaryImportAsync(
                "COPY " + target + " (instance_id, seq, occurred_at, kind, session_id, record, prev_hash, hash) FROM STDIN (FORMAT BINARY)", cancellationToken))
            {
                foreach (SpooledRecord record in batch)
                {
                    await importer.StartRowAsync(cancellationToken);
                    await importer.WriteAsync(record.Instance, NpgsqlDbType.Uuid, cancellationToken);
                    await importer.WriteAsync(record.Sequence, NpgsqlDbType.Bigint, cancellationToken);
                    await importer.WriteAsync(record.OccurredAt, NpgsqlDbType.TimestampTz, cancellationToken);
                    await importer.WriteAsync(record.Kind, NpgsqlDbType.Text, cancellationToken);
                    if (record.SessionId is { } session)
                    {
                        await importer.WriteAsync(session, NpgsqlDbType.Uuid, cancellationToken);
                    }
                    else
                    {
                        await importer.WriteNullAsync(cancellationToken);
                    }

                    await importer.WriteAsync(record.Json, NpgsqlDbType.Json, cancellationToken);
                    await importer.WriteAsync(record.PreviousHash, NpgsqlDbType.Bytea, cancellationToken);
                    await importer.WriteAsync(record.Hash, NpgsqlDbType.Bytea, cancellationToken);
                }

                await importer.CompleteAsync(cancellationToken);
            }
        }
        catch (PostgresException ex) when (!deduplicate && ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // Part of the batch is in the store already: the transaction is rolled back when it is disposed.
            return false;
        }

        if (deduplicate)
        {
            await using var insert = new NpgsqlCommand("INSERT INTO hoopgate_audit.records SELECT * FROM incoming ON CONFLICT DO NOTHING", connection, transaction);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Reads the next records after the checkpoint, up to the durable end, from the cursor on.</summary>
    private List<SpooledRecord> ReadBatch(out string? endSegment, out long endOffset)
    {
        var batch = new List<SpooledRecord>();
        long durable = _spool.DurableSequence;
        long after = _checkpoint.Sequence;
        string[] segments = AuditSpool.Segments(_spool.Directory);
        int index = _segment is null ? 0 : Array.IndexOf(segments, _segment);
        long offset = index < 0 ? 0 : _offset;
        if (index < 0)
        {
            index = 0;
        }

        endSegment = _segment;
        endOffset = _offset;
        for (; index < segments.Length; index++, offset = 0)
        {
            string path = segments[index];
            while (true)
            {
                byte[] bytes = ReadChunk(path, ref offset, out bool wholeRest);
                int position = 0;
                bool torn = false;
                while (position < bytes.Length && batch.Count < _options.ShipBatchSize)
                {
                    int end = Array.IndexOf(bytes, (byte)'\n', position);
                    if (end < 0 && !wholeRest)
                    {
                        // The chunk ends inside a record: the next read starts with it.
                        break;
                    }

                    if (end < 0 || !SpooledRecord.TryParse(bytes.AsSpan(position, end - position + 1), out SpooledRecord? record))
                    {
                        // A torn line: the end of what is written (newest segment) or a write that failed and was redone
                        // in the next segment.
                        torn = true;
                        break;
                    }

                    if (record.Sequence > durable)
                    {
                        endSegment = path;
                        endOffset = offset + position;
                        return batch;
                    }

                    if (record.Sequence > after)
                    {
                        batch.Add(record);
                        after = record.Sequence;
                    }

                    position = end + 1;
                }

                offset += position;
                endSegment = path;
                endOffset = offset;
                if (batch.Count >= _options.ShipBatchSize)
                {
                    return batch;
                }

                if (torn || (wholeRest && position == bytes.Length))
                {
                    break; // this segment is read to its end
                }
            }

            if (index == segments.Length - 1)
            {
                break; // the newest: what follows is not written yet
            }
        }

        return batch;
    }

    /// <summary>
    /// Reads from <paramref name="offset"/> on (from the start when the file is shorter): about a batch's worth, but at
    /// least one whole line when the file has one — never the rest of a segment that may be megabytes ahead of the batch.
    /// <paramref name="wholeRest"/> says whether it reached the file's end.
    /// </summary>
    private byte[] ReadChunk(string path, ref long offset, out bool wholeRest)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
        long length = stream.Length;
        if (offset > length)
        {
            offset = 0;
        }

        long available = length - offset;
        int size = (int)Math.Min(available, ChunkBytes);
        while (true)
        {
            byte[] bytes = new byte[size];
            int read = RandomAccess.Read(stream.SafeFileHandle, bytes, offset);
            if (read < size)
            {
                Array.Resize(ref bytes, read);
            }

            wholeRest = read == available;
            if (wholeRest || bytes.AsSpan().Contains((byte)'\n'))
            {
                return bytes;
            }

            // One record longer than the chunk: read more until it ends.
            size = (int)Math.Min(available, (long)size * 2);
        }
    }

    /// <summary>How much of a segment one read takes (bytes): a batch of typical records fits.</summary>
    private int ChunkBytes => Math.Max(64 * 1024, _options.ShipBatchSize * 1024);

    private void DeleteShippedSegments()
    {
        string[] segments = AuditSpool.Segments(_spool.Directory);
        for (int i = 0; i < segments.Length - 1; i++)
        {
            // A segment is wholly shipped when the next one starts at or before the checkpoint.
            if (FirstSequence(segments[i + 1]) <= _checkpoint.Sequence + 1 && segments[i] != _segment)
            {
                File.Delete(segments[i]);
            }
        }
    }

    private static long FirstSequence(string segment)
    {
        string name = Path.GetFileName(segment);
        return long.Parse(name.AsSpan(AuditSpool.SegmentPrefix.Length, 20), System.Globalization.CultureInfo.InvariantCulture);
    }

    [LoggerMessage(EventId = 6010, Level = LogLevel.Warning, Message = "The audit store is unreachable ({Reason}); records wait in the spool")]
    private partial void LogStoreDown(string reason);

    [LoggerMessage(EventId = 6011, Level = LogLevel.Information, Message = "The audit store is reachable again; {Backlog} records to catch up")]
    private partial void LogStoreBack(long backlog);

    [LoggerMessage(EventId = 6012, Level = LogLevel.Error, Message = "The audit store's schema is at version {Version}, this gateway needs {Needed}: run hoopgate audit migrate")]
    private partial void LogSchemaMissing(int version, int needed);
}
