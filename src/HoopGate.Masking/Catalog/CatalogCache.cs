using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HoopGate.Masking.Catalog;

/// <summary>
/// One <see cref="CatalogSnapshot"/> per upstream database, read over the gateway's own small Npgsql connection (never a
/// client's session), shared by every session on that database. A snapshot is read again when it is older than
/// <see cref="MaskingOptions.CatalogRefreshSeconds"/>, or when a session saw DDL or a relation it did not know; one
/// read runs at a time per database and everyone waiting shares it.
/// </summary>
public sealed partial class CatalogCache : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Func<string, NpgsqlDataSource> _dataSources;
    private readonly TimeProvider _time;
    private readonly TimeSpan _maxAge;
    private readonly ILogger<CatalogCache> _logger;

    /// <summary>Creates the cache.</summary>
    /// <param name="dataSources">A data source for a database (the gateway's upstream credentials).</param>
    /// <param name="options">Masking options.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Where reads and failures are logged.</param>
    public CatalogCache(Func<string, NpgsqlDataSource> dataSources, IOptions<MaskingOptions> options, TimeProvider time, ILogger<CatalogCache> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _dataSources = dataSources;
        _time = time;
        _maxAge = TimeSpan.FromSeconds(options.Value.CatalogRefreshSeconds);
        _logger = logger;
    }

    /// <summary>Reads done so far (for tests and metrics).</summary>
    public long Loads => Interlocked.Read(ref _loads);

    private long _loads;

    /// <summary>The current snapshot of a database, if one was read (it may be stale).</summary>
    public CatalogSnapshot? Peek(string database) => _entries.TryGetValue(database, out Entry? entry) ? entry.Snapshot : null;

    /// <summary>True when the snapshot is missing, older than the refresh interval, or marked stale.</summary>
    public bool NeedsRefresh(string database) =>
        !_entries.TryGetValue(database, out Entry? entry) || !IsFresh(entry, DateTimeOffset.MinValue);

    /// <summary>Marks a database's snapshot stale (DDL ran, or a result named a relation it does not know).</summary>
    public void Invalidate(string database)
    {
        if (_entries.TryGetValue(database, out Entry? entry))
        {
            entry.Stale = true;
        }
    }

    /// <summary>A fresh enough snapshot of the database, reading it when needed.</summary>
    /// <exception cref="NpgsqlException">The catalog could not be read.</exception>
    public ValueTask<CatalogSnapshot> GetAsync(string database, CancellationToken cancellationToken) =>
        GetAsync(database, DateTimeOffset.MinValue, cancellationToken);

    /// <summary>A snapshot read no earlier than <paramref name="notBefore"/> (and fresh enough), reading one when needed.</summary>
    /// <exception cref="CatalogUnavailableException">The catalog could not be read.</exception>
    public async ValueTask<CatalogSnapshot> GetAsync(string database, DateTimeOffset notBefore, CancellationToken cancellationToken)
    {
        Entry entry = _entries.GetOrAdd(database, static _ => new Entry());
        if (IsFresh(entry, notBefore))
        {
            return entry.Snapshot!;
        }

        Task<CatalogSnapshot> load;
        lock (entry)
        {
            load = entry.Loading ??= LoadAsync(database, entry);
        }

        return await load.WaitAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>A snapshot is there, not marked stale, read no earlier than <paramref name="notBefore"/> and within the refresh interval.</summary>
    private bool IsFresh(Entry entry, DateTimeOffset notBefore) =>
        entry.Snapshot is { } snapshot && !entry.Stale && snapshot.LoadedAt >= notBefore && _time.GetUtcNow() - snapshot.LoadedAt <= _maxAge;

    private async Task<CatalogSnapshot> LoadAsync(string database, Entry entry)
    {
        await Task.Yield();
        try
        {
            entry.Stale = false;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            CatalogSnapshot snapshot = await CatalogLoader.LoadAsync(_dataSources(database), _time, timeout.Token);
            entry.Snapshot = snapshot;
            Interlocked.Increment(ref _loads);
            LogCatalogLoaded(database, snapshot.RelationCount);
            return snapshot;
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException or InvalidOperationException)
        {
            entry.Stale = true;
            LogCatalogFailed(database, ex.Message);
            throw CatalogUnavailableException.For(database, ex);
        }
        finally
        {
            lock (entry)
            {
                entry.Loading = null;
            }
        }
    }

    [LoggerMessage(EventId = 7000, Level = LogLevel.Debug, Message = "Read the catalog of database {Database}: {Relations} relations")]
    private partial void LogCatalogLoaded(string database, int relations);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Error, Message = "Cannot read the catalog of database {Database} for masking: {Reason}")]
    private partial void LogCatalogFailed(string database, string reason);

    private sealed class Entry
    {
        public volatile CatalogSnapshot? Snapshot;
        public volatile bool Stale;
        public Task<CatalogSnapshot>? Loading;
    }
}
