using System.Reflection;
using System.Runtime.InteropServices;

namespace HoopGate.Sql.Native;

/// <summary>
/// Finds Debian's libpg_query (<c>libpg-query1504.0</c>: <c>libpg_query.so.1504.0</c>; the -dev package adds the
/// unversioned <c>libpg_query.so</c>) and maps <see cref="PgQueryNative.LibraryName"/> to it. The versioned name
/// comes first: the parse tree's JSON shape is that of PostgreSQL 15, which the analyser is written against.
/// </summary>
internal static class PgQueryLibrary
{
    /// <summary>The Debian/Ubuntu package that provides the library.</summary>
    public const string PackageName = "libpg-query1504.0";

    private static readonly string[] s_candidates =
    [
        "libpg_query.so.1504.0",
        "libpg_query.so.1504",
        "libpg_query.so",
        "libpg_query.dylib",
        "pg_query",
    ];

    private static readonly Lazy<nint> s_handle = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    private static int s_registered;

    /// <summary>Installs the resolver (idempotent).</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 0)
        {
            NativeLibrary.SetDllImportResolver(typeof(PgQueryLibrary).Assembly, Resolve);
        }
    }

    /// <summary>Loads the library now, or throws <see cref="SqlParserUnavailableException"/> naming the package to install.</summary>
    public static void EnsureLoaded()
    {
        Register();
        if (s_handle.Value == 0)
        {
            throw new SqlParserUnavailableException(
                "libpg_query, the PostgreSQL parser HoopGate analyses SQL with, was not found (looked for "
                + string.Join(", ", s_candidates) + "); install it with: apt-get install " + PackageName);
        }
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == PgQueryNative.LibraryName ? s_handle.Value : 0;

    private static nint Load()
    {
        foreach (string candidate in s_candidates)
        {
            if (NativeLibrary.TryLoad(candidate, out nint handle))
            {
                return handle;
            }
        }

        return 0;
    }
}
