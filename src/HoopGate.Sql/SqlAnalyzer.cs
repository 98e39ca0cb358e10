using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using HoopGate.Sql.Native;

namespace HoopGate.Sql;

/// <summary>
/// Analyses SQL with PostgreSQL's own parser (libpg_query): the same grammar, lexer, comment and quoting rules as the
/// server, so that what the gateway judges is what the server will run. Thread-safe; libpg_query keeps its memory
/// per thread. Use <see cref="SqlAnalysisCache"/> on the hot path: an analysis costs microseconds, a lookup nanoseconds.
/// </summary>
public static class SqlAnalyzer
{
    /// <summary>SQLSTATE 42601, syntax_error.</summary>
    public const string SyntaxError = "42601";

    /// <summary>SQLSTATE 54001, statement_too_complex.</summary>
    public const string StatementTooComplex = "54001";

    /// <summary>SQLSTATE 22021, character_not_in_repertoire (invalid UTF-8).</summary>
    public const string InvalidEncoding = "22021";

    /// <summary>
    /// How deep a parse tree may nest (JSON levels) before the statement is refused as too complex. Real statements
    /// stay far below (a five-way join with subqueries is about 40); the limit keeps the walk's recursion bounded.
    /// </summary>
    internal const int MaxTreeDepth = 1000;

    private static readonly JsonDocumentOptions s_jsonOptions = new() { MaxDepth = MaxTreeDepth };

    /// <summary>
    /// Loads libpg_query now, so that a missing library is a clear startup error rather than a failure on the first statement.
    /// </summary>
    /// <exception cref="SqlParserUnavailableException">The library is not installed; the message names the package.</exception>
    public static void EnsureAvailable() => PgQueryLibrary.EnsureLoaded();

    /// <summary>Analyses a SQL string.</summary>
    public static SqlAnalysis Analyze(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        return Analyze(Encoding.UTF8.GetBytes(sql));
    }

    /// <summary>
    /// Longer strings are refused (54001) rather than analysed: libpg_query recurses natively once per level of nesting
    /// with no depth check, so the stack it needs grows with the string (measured: ~170 bytes a level; a 1 MiB string can
    /// nest half a million levels).
    /// </summary>
    public const int MaxLength = 1024 * 1024;

    /// <summary>
    /// Strings up to this length are parsed on the caller's thread: at most ~2,000 levels of nesting, well inside a
    /// 1 MiB stack (6,000 levels measured safe, 10,000 crash). Longer ones go to a thread with <see cref="LargeStack"/>.
    /// </summary>
    internal const int InlineLength = 4096;

    /// <summary>The stack of the thread that parses long strings (reserved, not committed, until used).</summary>
    internal const int LargeStack = 256 * 1024 * 1024;

    /// <summary>Analyses a SQL string given as UTF-8 bytes (as it arrives in a Query or Parse message).</summary>
    public static SqlAnalysis Analyze(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxLength)
        {
            return Failed(new SqlSyntaxError(StatementTooComplex, "statement is too long for the gateway to analyse (more than 1 MiB)", 0));
        }

        if (utf8.Length <= InlineLength)
        {
            return AnalyzeHere(utf8);
        }

        byte[] copy = utf8.ToArray();
        return OnLargeStack(() => AnalyzeHere(copy));
    }

    /// <summary>Runs native parsing of a long string on a thread whose stack its nesting cannot overflow.</summary>
    private static T OnLargeStack<T>(Func<T> work)
    {
        T result = default!;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? failure = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    result = work();
                }
#pragma warning disable CA1031 // Rethrown on the caller's thread below.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    failure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex);
                }
            },
            LargeStack)
        {
            IsBackground = true,
            Name = "HoopGate SQL parser (large stack)",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    private static unsafe SqlAnalysis AnalyzeHere(ReadOnlySpan<byte> utf8)
    {
        if (EncodingError(utf8) is { } invalid)
        {
            return Failed(invalid);
        }

        byte[] terminated = Terminated(utf8);
        try
        {
            fixed (byte* input = terminated)
            {
                SqlSyntaxError? error = ParseTree(input, out List<StatementInfo> statements);
                if (error is not null)
                {
                    return Failed(error);
                }

                return new SqlAnalysis(statements, null, Fingerprint(input), Normalize(input));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(terminated);
        }
    }

    private static SqlAnalysis Failed(SqlSyntaxError error) => new([], error, null, null);

    /// <summary>Why the bytes cannot be handed to the parser: not UTF-8 (which the server would refuse under client_encoding UTF8, so judging them would mean guessing), or a NUL (a C string ends there).</summary>
    private static SqlSyntaxError? EncodingError(ReadOnlySpan<byte> utf8)
    {
        PgQueryLibrary.EnsureLoaded();
        if (!System.Text.Unicode.Utf8.IsValid(utf8))
        {
            return new SqlSyntaxError(InvalidEncoding, "invalid byte sequence for encoding \"UTF8\"", 0);
        }

        return utf8.Contains((byte)0) ? new SqlSyntaxError(InvalidEncoding, "invalid byte sequence for encoding \"UTF8\": 0x00", 0) : null;
    }

    /// <summary>The bytes and a NUL, in a pooled array the caller returns: the C string libpg_query reads.</summary>
    private static byte[] Terminated(ReadOnlySpan<byte> utf8)
    {
        byte[] terminated = ArrayPool<byte>.Shared.Rent(utf8.Length + 1);
        utf8.CopyTo(terminated);
        terminated[utf8.Length] = 0;
        return terminated;
    }

    /// <summary>
    /// libpg_query's normalised form of the string (constants replaced by <c>$n</c>), as UTF-8 copied into a pooled
    /// array that the caller returns to <see cref="ArrayPool{T}.Shared"/>; false when the string does not normalise
    /// (it does not parse).
    /// </summary>
    internal static bool TryNormalize(ReadOnlySpan<byte> utf8, out byte[] rented, out int length)
    {
        if (utf8.Length > MaxLength)
        {
            rented = [];
            length = 0;
            return false;
        }

        if (utf8.Length <= InlineLength)
        {
            return TryNormalizeHere(utf8, out rented, out length);
        }

        byte[] copy = utf8.ToArray();
        (bool ok, byte[] r, int l) = OnLargeStack(() => (TryNormalizeHere(copy, out byte[] r2, out int l2), r2, l2));
        rented = r;
        length = l;
        return ok;
    }

    private static unsafe bool TryNormalizeHere(ReadOnlySpan<byte> utf8, out byte[] rented, out int length)
    {
        rented = [];
        length = 0;
        if (EncodingError(utf8) is not null)
        {
            return false;
        }

        byte[] terminated = Terminated(utf8);
        try
        {
            fixed (byte* input = terminated)
            {
                PgQueryNative.PgQueryNormalizeResult result = PgQueryNative.Normalize(input);
                try
                {
                    if (result.Error is not null || result.NormalizedQuery is null)
                    {
                        return false;
                    }

                    ReadOnlySpan<byte> normalized = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(result.NormalizedQuery);
                    rented = ArrayPool<byte>.Shared.Rent(normalized.Length);
                    normalized.CopyTo(rented);
                    length = normalized.Length;
                    return true;
                }
                finally
                {
                    PgQueryNative.FreeNormalizeResult(result);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(terminated);
        }
    }

    private static unsafe SqlSyntaxError? ParseTree(byte* input, out List<StatementInfo> statements)
    {
        statements = [];
        PgQueryNative.PgQueryParseResult result = PgQueryNative.Parse(input);
        try
        {
            if (result.Error is not null)
            {
                return ToError(result.Error);
            }

            ReadOnlySpan<byte> json = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(result.ParseTree);
            byte[] copy = json.ToArray();
            try
            {
                using JsonDocument document = JsonDocument.Parse(copy, s_jsonOptions);
                statements = ParseTreeWalker.ReadStatements(document.RootElement);
                return null;
            }
            catch (JsonException)
            {
                // The only JSON libpg_query writes that we refuse is JSON nested deeper than MaxTreeDepth.
                return new SqlSyntaxError(StatementTooComplex, "statement is too complex for the gateway to analyse", 0);
            }
        }
        finally
        {
            PgQueryNative.FreeParseResult(result);
        }
    }

    private static unsafe string? Fingerprint(byte* input)
    {
        PgQueryNative.PgQueryFingerprintResult result = PgQueryNative.Fingerprint(input);
        try
        {
            return result.Error is null && result.FingerprintString is not null
                ? Marshal.PtrToStringUTF8((nint)result.FingerprintString)
                : null;
        }
        finally
        {
            PgQueryNative.FreeFingerprintResult(result);
        }
    }

    private static unsafe string? Normalize(byte* input)
    {
        PgQueryNative.PgQueryNormalizeResult result = PgQueryNative.Normalize(input);
        try
        {
            return result.Error is null && result.NormalizedQuery is not null
                ? Marshal.PtrToStringUTF8((nint)result.NormalizedQuery)
                : null;
        }
        finally
        {
            PgQueryNative.FreeNormalizeResult(result);
        }
    }

    private static unsafe SqlSyntaxError ToError(PgQueryNative.PgQueryError* error)
    {
        string message = error->Message is null ? "syntax error" : Marshal.PtrToStringUTF8((nint)error->Message) ?? "syntax error";
        return new SqlSyntaxError(SyntaxError, message, error->CursorPosition);
    }
}
