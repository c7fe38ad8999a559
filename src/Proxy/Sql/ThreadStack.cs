using System.Runtime.InteropServices;

namespace OrleansGate.Proxy.Sql;

/// <summary>How much stack the calling thread has left, from the bounds pthread reports for it (read once per thread).</summary>
internal static unsafe partial class ThreadStack
{
    [ThreadStatic]
    private static nuint _lowest;

    /// <summary>Bytes between here and the end of the thread's stack; 0 when the bounds cannot be read.</summary>
    public static long Room()
    {
        byte marker;
        var here = (nuint)(&marker);
        if (_lowest == 0)
        {
            _lowest = Lowest();
        }

        return _lowest <= 1 || here <= _lowest ? 0 : (long)(here - _lowest);
    }

    /// <summary>The stack's lowest address (it grows down on every platform .NET runs on); 1 when unknown.</summary>
    private static nuint Lowest()
    {
        try
        {
            // pthread_attr_t is 56 bytes on x86-64 glibc, 64 on arm64; room to spare.
            var attributes = stackalloc byte[256];
            if (pthread_getattr_np(pthread_self(), attributes) != 0)
            {
                return 1;
            }

            try
            {
                return pthread_attr_getstack(attributes, out var lowest, out _) == 0 && lowest != 0 ? (nuint)lowest : 1;
            }
            finally
            {
                pthread_attr_destroy(attributes);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return 1;
        }
    }

    [LibraryImport("libc")]
    private static partial nint pthread_self();

    [LibraryImport("libc")]
    private static partial int pthread_getattr_np(nint thread, byte* attributes);

    [LibraryImport("libc")]
    private static partial int pthread_attr_getstack(byte* attributes, out nint lowest, out nuint size);

    [LibraryImport("libc")]
    private static partial int pthread_attr_destroy(byte* attributes);
}
