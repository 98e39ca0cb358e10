using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace HoopGate.Sql;

/// <summary>
/// Analyses by SQL string, so that each statement shape is parsed once. Looked up in this order, each kind of key in a
/// dictionary of its own (a key of one kind can be the text of another):
/// <list type="number">
/// <item>the string's exact bytes — a hit costs a hash and no allocation. The extended protocol's statements, which
/// carry their values as parameters, are their own normalised text and hit here among the shapes;</item>
/// <item>for plain text (no quotes, comments or dollar signs), its <see cref="ConstantKey"/>: the text with its integer
/// constants replaced, found without the parser. An analysis is filed under such a key only once libpg_query has shown
/// that changing those constants leaves the normalised text as it was, so a hit returns what the next step would;</item>
/// <item>libpg_query's normalised text (constants replaced by <c>$n</c>, a parse) — so that the simple protocol's
/// <c>… WHERE id = 'alice'</c>, a new string every time, still shares the analysis of its shape.</item>
/// </list>
/// Analyses that depend on a constant's value (<see cref="SqlAnalysis.DependsOnConstants"/>: settings, result columns
/// named by position) and strings that do not parse are filed by exact text only. Nothing here is a home-made
/// normalisation that decides on its own which strings mean the same.
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
        // A string that is its own normalised text (the extended protocol's, with $n for values) is found among the shapes.
        if (TryGet(Space.Exact, utf8, out SqlAnalysis? analysis) || TryGet(Space.Shape, utf8, out analysis))
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
            bool hasKey = ConstantKey.TryWrite(utf8, key, out int keyLength);
            ReadOnlySpan<byte> constantKey = key.AsSpan(0, keyLength);
            bool keyFiled = hasKey && Find(Space.Constants, constantKey, out analysis);
            if (keyFiled && analysis is not null)
            {
                Interlocked.Increment(ref _constantHits);
                return analysis;
            }

            int normalizedLength = 0;
            if (SqlAnalyzer.TryNormalize(utf8, out byte[] rented, out normalizedLength))
            {
                normalized = rented;
                ReadOnlySpan<byte> shape = normalized.AsSpan(0, normalizedLength);
                if (TryGet(Space.Shape, shape, out analysis) && !analysis.DependsOnConstants)
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
            if (normalized is not null && analysis.IsValid && !analysis.DependsOnConstants)
            {
                ReadOnlySpan<byte> shape = normalized.AsSpan(0, normalizedLength);
                AddTo(Space.Shape, shape, analysis);
                if (hasKey && !keyFiled)
                {
                    FileByConstants(utf8, constantKey, shape, analysis);
                }
            }
            else
            {
                AddTo(Space.Exact, utf8, analysis);
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

    private bool TryGet(Space space, ReadOnlySpan<byte> key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SqlAnalysis? analysis) =>
        Find(space, key, out analysis) && analysis is not null;

    /// <summary>
    /// True when <paramref name="key"/> is filed, in the young generation or (moved back to it) the old one — with an
    /// analysis, or with null for a constant key whose strings may not share one (then the normalised text decides).
    /// </summary>
    private bool Find(Space space, ReadOnlySpan<byte> key, out SqlAnalysis? analysis)
    {
        if (Volatile.Read(ref _young).Lookup(space).TryGetValue(key, out analysis))
        {
            return true;
        }

        if (Volatile.Read(ref _old).Lookup(space).TryGetValue(key, out analysis))
        {
            AddTo(space, key, analysis);
            return true;
        }

        return false;
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

        AddTo(Space.Constants, key, shareable ? analysis : null);
    }

    private void AddTo(Space space, ReadOnlySpan<byte> key, SqlAnalysis? analysis)
    {
        Generation young = Volatile.Read(ref _young);
        if (young.Count >= _generationSize)
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

        young.Lookup(space).TryAdd(key, analysis);
    }

    /// <summary>
    /// Three kinds of key, kept apart because a key of one kind can be the text of another: an exact string can be some
    /// other string's normalised text, and a constant key is not SQL at all.
    /// </summary>
    private enum Space
    {
        /// <summary>By exact text: analyses that may not be shared (settings, positions) or of strings that do not normalise.</summary>
        Exact,

        /// <summary>By libpg_query's normalised text.</summary>
        Shape,

        /// <summary>By <see cref="ConstantKey"/>; null for a key whose strings may not share an analysis.</summary>
        Constants,
    }

    private sealed class Generation
    {
        private readonly ConcurrentDictionary<byte[], SqlAnalysis?>[] _entries =
            [new(ByteKeyComparer.Instance), new(ByteKeyComparer.Instance), new(ByteKeyComparer.Instance)];

        private readonly ConcurrentDictionary<byte[], SqlAnalysis?>.AlternateLookup<ReadOnlySpan<byte>>[] _lookups;

        public Generation() => _lookups = [.. _entries.Select(e => e.GetAlternateLookup<ReadOnlySpan<byte>>())];

        public int Count => _entries[0].Count + _entries[1].Count + _entries[2].Count;

        public ConcurrentDictionary<byte[], SqlAnalysis?>.AlternateLookup<ReadOnlySpan<byte>> Lookup(Space space) => _lookups[(int)space];
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
