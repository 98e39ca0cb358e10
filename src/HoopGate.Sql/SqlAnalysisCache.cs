using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace HoopGate.Sql;

/// <summary>
/// Analyses by SQL string, so that each statement shape is parsed once. Two keys, both PostgreSQL's own and never a
/// home-made normalisation (which could make a harmful string share the verdict of a harmless one):
/// <list type="number">
/// <item>the string's exact bytes — a hit costs a hash and no allocation (the extended protocol, whose statements
/// carry their values as parameters, always hits here);</item>
/// <item>libpg_query's normalised text (constants replaced by <c>$n</c>, a few microseconds) — so that the simple
/// protocol's <c>… WHERE id = 81234</c>, a new string every time, still shares the analysis of its shape. Analyses
/// that depend on a constant's value (settings: <see cref="SqlAnalysis.DependsOnConstants"/>) are never shared this way.</item>
/// </list>
/// Before the second, plain text (no quotes, comments or dollar signs) is looked up by its <see cref="ConstantKey"/>: the
/// text with its integer constants replaced, found without calling the parser. An analysis is filed under such a key only
/// once libpg_query has shown that changing those constants leaves the normalised text as it was, so a hit returns exactly
/// what the normalised text would have found, without the parse that normalising costs.
/// Bounded as two generations: entries live in the young one; when it holds half the capacity it becomes the old one
/// (the previous old one is dropped) and a hit in the old one moves the entry back. Recently used shapes stay, strings
/// seen once age out, and no hit pays for bookkeeping.
/// </summary>
public sealed class SqlAnalysisCache
{
    private readonly int _generationSize;
    private readonly int _maxCachedLength;
    private readonly Lock _rotate = new();
    private Generation _young = new();
    private Generation _old = new();
    private long _hits;
    private long _shapeHits;
    private long _constantHits;
    private long _misses;

    /// <summary>Creates the cache.</summary>
    public SqlAnalysisCache(IOptions<SqlOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _generationSize = Math.Max(1, options.Value.CacheEntries / 2);
        _maxCachedLength = options.Value.MaxCachedLength;
    }

    /// <summary>Analyses served by exact text.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Analyses served by normalised text (the same statement with other constants).</summary>
    public long ShapeHits => Interlocked.Read(ref _shapeHits);

    /// <summary>Analyses served by <see cref="ConstantKey"/> (a plain statement with other integer constants).</summary>
    public long ConstantHits => Interlocked.Read(ref _constantHits);

    /// <summary>Analyses that had to be made.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>The analysis of <paramref name="utf8"/>, from the cache or made now.</summary>
    public SqlAnalysis GetOrAnalyze(ReadOnlySpan<byte> utf8)
    {
        if (TryGet(utf8, out SqlAnalysis? analysis))
        {
            Interlocked.Increment(ref _hits);
            return analysis;
        }

        if (utf8.Length > _maxCachedLength)
        {
            Interlocked.Increment(ref _misses);
            return SqlAnalyzer.Analyze(utf8);
        }

        byte[] key = ArrayPool<byte>.Shared.Rent(utf8.Length);
        byte[]? normalized = null;
        try
        {
            bool hasKey = ConstantKey.TryWrite(utf8, key, out int keyLength, out _);
            ReadOnlySpan<byte> constantKey = key.AsSpan(0, keyLength);
            bool keyFiled = false;
            if (hasKey && TryGetByConstants(constantKey, out analysis, out keyFiled))
            {
                Interlocked.Increment(ref _constantHits);
                return analysis;
            }

            int normalizedLength = 0;
            if (SqlAnalyzer.TryNormalize(utf8, out byte[] rented, out normalizedLength))
            {
                normalized = rented;
                ReadOnlySpan<byte> shape = normalized.AsSpan(0, normalizedLength);
                if (TryGet(shape, out analysis) && !analysis.DependsOnConstants)
                {
                    Interlocked.Increment(ref _shapeHits);
                    if (hasKey && !keyFiled)
                    {
                        FileByConstants(utf8, constantKey, shape, analysis);
                    }

                    return analysis;
                }
            }

            Interlocked.Increment(ref _misses);
            analysis = SqlAnalyzer.Analyze(utf8);
            if (normalized is not null && !analysis.DependsOnConstants)
            {
                ReadOnlySpan<byte> shape = normalized.AsSpan(0, normalizedLength);
                Add(shape, analysis);
                if (hasKey && !keyFiled)
                {
                    FileByConstants(utf8, constantKey, shape, analysis);
                }
            }
            else
            {
                Add(utf8, analysis);
            }

            return analysis;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(key);
            if (normalized is not null)
            {
                ArrayPool<byte>.Shared.Return(normalized);
            }
        }
    }

    /// <summary>The analysis of <paramref name="sql"/> (tools and tests; the gateway passes bytes).</summary>
    public SqlAnalysis GetOrAnalyze(string sql) => GetOrAnalyze(System.Text.Encoding.UTF8.GetBytes(sql));

    private bool TryGet(ReadOnlySpan<byte> key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SqlAnalysis? analysis)
    {
        if (Volatile.Read(ref _young).Lookup.TryGetValue(key, out analysis))
        {
            return true;
        }

        if (Volatile.Read(ref _old).Lookup.TryGetValue(key, out analysis))
        {
            Add(key, analysis);
            return true;
        }

        return false;
    }

    /// <summary>
    /// Looks <paramref name="key"/> up among the constant keys. <paramref name="filed"/> is true when the key is known,
    /// with an analysis or as one that may not be shared (then the normalised text decides, as if there were no key).
    /// </summary>
    private bool TryGetByConstants(ReadOnlySpan<byte> key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SqlAnalysis? analysis, out bool filed)
    {
        Generation young = Volatile.Read(ref _young);
        filed = young.ConstantLookup.TryGetValue(key, out analysis);
        if (!filed && Volatile.Read(ref _old).ConstantLookup.TryGetValue(key, out analysis))
        {
            filed = true;
            AddTo(key, analysis, constants: true);
        }

        return analysis is not null;
    }

    /// <summary>
    /// Files <paramref name="analysis"/> (of <paramref name="shape"/>) under the constant key of <paramref name="utf8"/>,
    /// if libpg_query normalises every constant the key stands for: the same string with each of them changed must
    /// normalise to the same text. Otherwise (<c>ORDER BY 1</c>, <c>varchar(10)</c>: constants the normaliser keeps) the
    /// key is filed as not shareable.
    /// </summary>
    private void FileByConstants(ReadOnlySpan<byte> utf8, ReadOnlySpan<byte> key, ReadOnlySpan<byte> shape, SqlAnalysis analysis)
    {
        bool shareable = false;
        if (analysis.IsValid && !analysis.DependsOnConstants)
        {
            byte[] variant = ArrayPool<byte>.Shared.Rent(utf8.Length);
            try
            {
                int variantLength = ConstantKey.WriteVariant(utf8, key, variant);
                if (SqlAnalyzer.TryNormalize(variant.AsSpan(0, variantLength), out byte[] rented, out int length))
                {
                    shareable = rented.AsSpan(0, length).SequenceEqual(shape);
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(variant);
            }
        }

        AddTo(key, shareable ? analysis : null, constants: true);
    }

    private void Add(ReadOnlySpan<byte> key, SqlAnalysis analysis) => AddTo(key, analysis, constants: false);

    private void AddTo(ReadOnlySpan<byte> key, SqlAnalysis? analysis, bool constants)
    {
        Generation young = Volatile.Read(ref _young);
        if (young.Entries.Count + young.ByConstants.Count >= _generationSize)
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

        if (constants)
        {
            young.ByConstants.TryAdd(key.ToArray(), analysis);
        }
        else
        {
            young.Entries.TryAdd(key.ToArray(), analysis!);
        }
    }

    private sealed class Generation
    {
        public Generation()
        {
            Entries = new ConcurrentDictionary<byte[], SqlAnalysis>(ByteKeyComparer.Instance);
            Lookup = Entries.GetAlternateLookup<ReadOnlySpan<byte>>();
            ByConstants = new ConcurrentDictionary<byte[], SqlAnalysis?>(ByteKeyComparer.Instance);
            ConstantLookup = ByConstants.GetAlternateLookup<ReadOnlySpan<byte>>();
        }

        /// <summary>By exact text and by normalised text (which cannot be confused: both are the string's own meaning).</summary>
        public ConcurrentDictionary<byte[], SqlAnalysis> Entries { get; }

        public ConcurrentDictionary<byte[], SqlAnalysis>.AlternateLookup<ReadOnlySpan<byte>> Lookup { get; }

        /// <summary>By <see cref="ConstantKey"/>, apart: a key is not SQL. Null for a key whose strings may not share an analysis.</summary>
        public ConcurrentDictionary<byte[], SqlAnalysis?> ByConstants { get; }

        public ConcurrentDictionary<byte[], SqlAnalysis?>.AlternateLookup<ReadOnlySpan<byte>> ConstantLookup { get; }
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
