using System.Reflection;
using System.Runtime.InteropServices;

namespace OrleansGate.Proxy.Sql;

/// <summary>
/// P/Invoke to the system's libpg_query (Debian <c>libpg-query-dev</c> / <c>libpg-query1504.0</c>),
/// which is PostgreSQL 15's own scanner and grammar compiled as a library. Every call is
/// thread-safe: the library keeps its memory context per thread.
/// </summary>
internal static unsafe partial class PgQueryNative
{
    private const string Library = "pg_query";

    // The -dev package installs libpg_query.so; a runtime-only install has just the versioned name.
    private static readonly string[] Candidates = ["libpg_query.so", "libpg_query.so.1504.0", "libpg_query.so.1504", "libpg_query.dylib"];

    static PgQueryNative() =>
        NativeLibrary.SetDllImportResolver(typeof(PgQueryNative).Assembly, Resolve);

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Library)
        {
            return IntPtr.Zero;
        }

        foreach (var candidate in Candidates)
        {
            if (NativeLibrary.TryLoad(candidate, assembly, searchPath, out var handle))
            {
                return handle;
            }
        }

        return IntPtr.Zero;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct Error
    {
        public byte* Message;
        public byte* FunctionName;
        public byte* FileName;
        public int LineNumber;
        public int CursorPosition;
        public byte* Context;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct ParseResult
    {
        public byte* ParseTree;
        public byte* StderrBuffer;
        public Error* Error;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct FingerprintResult
    {
        public ulong Fingerprint;
        public byte* FingerprintString;
        public byte* StderrBuffer;
        public Error* Error;
    }

    [LibraryImport(Library, EntryPoint = "pg_query_parse")]
    internal static partial ParseResult Parse(byte* input);

    [LibraryImport(Library, EntryPoint = "pg_query_free_parse_result")]
    internal static partial void FreeParseResult(ParseResult result);

    [LibraryImport(Library, EntryPoint = "pg_query_fingerprint")]
    internal static partial FingerprintResult Fingerprint(byte* input);

    [LibraryImport(Library, EntryPoint = "pg_query_free_fingerprint_result")]
    internal static partial void FreeFingerprintResult(FingerprintResult result);

    /// <summary>Forces the library to load, so a missing libpg_query stops start-up with a clear message.</summary>
    internal static void EnsureLoaded()
    {
        byte* sql = stackalloc byte[] { (byte)'S', (byte)'E', (byte)'L', (byte)'E', (byte)'C', (byte)'T', 0 };
        FreeParseResult(Parse(sql));
    }
}
