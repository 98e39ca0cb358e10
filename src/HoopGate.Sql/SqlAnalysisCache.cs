using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;

namespace HoopGate.Sql;

/// <summary>
/// One analysis per distinct SQL string, keyed by the string's exact bytes — never by a home-made normalisation,
/// which could make a harmful string share the cached verdict of a harmless one. A hit costs a hash of the bytes and
/// no allocation. Bounded as two generations: entries live in the young one; when it holds half the capacity it
/// becomes the old one (the previous old one is dropped) and a hit in the old one moves the entry back. Recently used
/// strings stay, strings used once age out, and no hit pays for bookkeeping.
/// </summary>
public sealed class SqlAnalysisCache
{
    private readonly int _generationSize;
    private readonly int _maxCachedLength;
    private readonly Lock _rotate = new();
    private Generation _young = new();
    private Generation _old = new();

    /// <summary>Creates the cache.</summary>
    public SqlAnalysisCache(IOptions<SqlOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _generationSize = Math.Max(1, options.Value.CacheEntries / 2);
        _maxCachedLength = options.Value.MaxCachedLength;
    }

    /// <summary>Analyses served from the cache.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Analyses that had to be made.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    private long _hits;
    private long _misses;

    /// <summary>The analysis of <paramref name="utf8"/>, from the cache or made now (and cached when not too long).</summary>
    public SqlAnalysis GetOrAnalyze(ReadOnlySpan<byte> utf8)
    {
        Generation young = Volatile.Read(ref _young);
        if (young.Lookup.TryGetValue(utf8, out SqlAnalysis? analysis))
        {
            Interlocked.Increment(ref _hits);
            return analysis;
        }

        Generation old = Volatile.Read(ref _old);
        if (old.Lookup.TryGetValue(utf8, out analysis))
        {
            Interlocked.Increment(ref _hits);
            Add(utf8, analysis);
            return analysis;
        }

        Interlocked.Increment(ref _misses);
        analysis = SqlAnalyzer.Analyze(utf8);
        if (utf8.Length <= _maxCachedLength)
        {
            Add(utf8, analysis);
        }

        return analysis;
    }

    /// <summary>The analysis of <paramref name="sql"/> (tools and tests; the gateway passes bytes).</summary>
    public SqlAnalysis GetOrAnalyze(string sql) => GetOrAnalyze(System.Text.Encoding.UTF8.GetBytes(sql));

    private void Add(ReadOnlySpan<byte> utf8, SqlAnalysis analysis)
    {
        Generation young = Volatile.Read(ref _young);
        if (young.Entries.Count >= _generationSize)
        {
            lock (_rotate)
            {
                if (ReferenceEquals(young, _young))
                {
                    Volatile.Write(ref _old, young);
                    Volatile.Write(ref _young, new Generation());
                }

                young = _young;
            }
        }

        young.Entries.TryAdd(utf8.ToArray(), analysis);
    }

    private sealed class Generation
    {
        public Generation()
        {
            Entries = new ConcurrentDictionary<byte[], SqlAnalysis>(ByteKeyComparer.Instance);
            Lookup = Entries.GetAlternateLookup<ReadOnlySpan<byte>>();
        }

        public ConcurrentDictionary<byte[], SqlAnalysis> Entries { get; }

        public ConcurrentDictionary<byte[], SqlAnalysis>.AlternateLookup<ReadOnlySpan<byte>> Lookup { get; }
    }

    /// <summary>Compares keys by content, and lets a span look one up without allocating.</summary>
    private sealed class ByteKeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly ByteKeyComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

        public int GetHashCode(byte[] obj) => Hash(obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

        private static int Hash(ReadOnlySpan<byte> bytes)
        {
            var hash = default(HashCode);
            hash.AddBytes(bytes);
            return hash.ToHashCode();
        }
    }
}
