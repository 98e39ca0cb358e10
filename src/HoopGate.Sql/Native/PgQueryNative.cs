using System.Runtime.InteropServices;

namespace HoopGate.Sql.Native;

/// <summary>
/// The few entry points of libpg_query (pg_query.h, version 15-4.0) the analyser uses. Every result is freed by
/// its own free function in a <c>finally</c>; inputs are NUL-terminated UTF-8.
/// </summary>
internal static unsafe partial class PgQueryNative
{
    /// <summary>The name the resolver maps to the OS package's shared object.</summary>
    public const string LibraryName = "pg_query";

    [LibraryImport(LibraryName, EntryPoint = "pg_query_parse")]
    public static partial PgQueryParseResult Parse(byte* input);

    [LibraryImport(LibraryName, EntryPoint = "pg_query_free_parse_result")]
    public static partial void FreeParseResult(PgQueryParseResult result);

    [LibraryImport(LibraryName, EntryPoint = "pg_query_fingerprint")]
    public static partial PgQueryFingerprintResult Fingerprint(byte* input);

    [LibraryImport(LibraryName, EntryPoint = "pg_query_free_fingerprint_result")]
    public static partial void FreeFingerprintResult(PgQueryFingerprintResult result);

    [LibraryImport(LibraryName, EntryPoint = "pg_query_normalize")]
    public static partial PgQueryNormalizeResult Normalize(byte* input);

    [LibraryImport(LibraryName, EntryPoint = "pg_query_free_normalize_result")]
    public static partial void FreeNormalizeResult(PgQueryNormalizeResult result);

    /// <summary><c>PgQueryError</c>: message, funcname, filename, lineno, cursorpos (1-based characters), context.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PgQueryError
    {
        public byte* Message;
        public byte* FunctionName;
        public byte* FileName;
        public int LineNumber;
        public int CursorPosition;
        public byte* Context;
    }

    /// <summary><c>PgQueryParseResult</c>: the parse tree as JSON, captured stderr, error.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PgQueryParseResult
    {
        public byte* ParseTree;
        public byte* StderrBuffer;
        public PgQueryError* Error;
    }

    /// <summary><c>PgQueryFingerprintResult</c>: the 64-bit fingerprint, its hex string, captured stderr, error.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PgQueryFingerprintResult
    {
        public ulong Fingerprint;
        public byte* FingerprintString;
        public byte* StderrBuffer;
        public PgQueryError* Error;
    }

    /// <summary><c>PgQueryNormalizeResult</c>: the text with constants replaced by <c>$n</c>, error.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PgQueryNormalizeResult
    {
        public byte* NormalizedQuery;
        public PgQueryError* Error;
    }
}
