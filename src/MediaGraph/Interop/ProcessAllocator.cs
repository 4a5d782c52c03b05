using System.Runtime.InteropServices;
using System.Text;

namespace MediaGraph.Interop;

/// <summary>
/// glibc's malloc settings of the whole process, which it reads once, from <c>GLIBC_TUNABLES</c>, when the process
/// image starts: the only way to change them for a running program is to start its image again (<c>execv</c> of
/// <c>/proc/self/exe</c>: same process id, arguments, open files and environment plus the setting). libc is called
/// directly, not through the shim, so that a restart does not load FFmpeg twice.
/// </summary>
internal static unsafe partial class ProcessAllocator
{
    private const string LibC = "libc.so.6"; // glibc's soname: where it does not load (musl, macOS), nothing is done

    [LibraryImport(LibC, StringMarshalling = StringMarshalling.Utf8)] private static partial int setenv(string name, string value, int overwrite);
    [LibraryImport(LibC)] private static partial int execv(byte* path, byte** argv);
    [LibraryImport(LibC)] private static partial byte* gnu_get_libc_version();

    /// <summary>Starts this process's image again with <c>GLIBC_TUNABLES=<paramref name="tunables"/></c> unless the
    /// variable is already set (by the user, or by the restart itself). Returns false where nothing was done: not
    /// Linux with glibc, the variable set, or the restart refused (then the process goes on as it was); on success it
    /// does not return.</summary>
    public static bool RestartWith(string tunables)
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("GLIBC_TUNABLES") is not null) return false;
        try
        {
            if (gnu_get_libc_version() is null) return false;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
        byte[] cmdline;
        try
        {
            cmdline = File.ReadAllBytes("/proc/self/cmdline");
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
        var args = cmdline.Length > 0 && cmdline[^1] == 0 ? cmdline[..^1] : cmdline; // each argument ends with a NUL
        if (args.Length == 0) return false;
        var parts = new List<byte[]>();
        foreach (var range in args.AsSpan().Split((byte)0)) parts.Add([.. args.AsSpan(range), 0]);
        if (setenv("GLIBC_TUNABLES", tunables, 1) != 0) return false;
        ForgetDiagnosticsSocket();
        var handles = new List<GCHandle>();
        try
        {
            var argv = new IntPtr[parts.Count + 1];
            for (var i = 0; i < parts.Count; i++)
            {
                var handle = GCHandle.Alloc(parts[i], GCHandleType.Pinned);
                handles.Add(handle);
                argv[i] = handle.AddrOfPinnedObject();
            }
            var self = Encoding.UTF8.GetBytes("/proc/self/exe\0");
            fixed (byte* path = self)
            fixed (IntPtr* list = argv)
            {
                execv(path, (byte**)list); // returns only on failure
            }
        }
        finally
        {
            foreach (var handle in handles) handle.Free();
        }
        // The restart was refused: leave the environment as the user gave it, and go on with glibc's defaults.
        unsetenv("GLIBC_TUNABLES");
        return false;
    }

    [LibraryImport(LibC, StringMarshalling = StringMarshalling.Utf8)] private static partial int unsetenv(string name);

    /// <summary>The JIT runtime listens for diagnostics tools (dotnet-counters, dotnet-trace) on a socket named for the
    /// process id and start time, which the restarted image shares; the listening descriptor closes on exec, but its
    /// name would stay and keep the restarted runtime from listening. So the name goes first (Native AOT has none).</summary>
    private static void ForgetDiagnosticsSocket()
    {
        try
        {
            var folder = Environment.GetEnvironmentVariable("TMPDIR") is { Length: > 0 } tmp ? tmp : "/tmp";
            foreach (var socket in Directory.EnumerateFiles(folder, $"dotnet-diagnostic-{Environment.ProcessId}-*-socket")) File.Delete(socket);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Diagnostics tools would not attach to the restarted process; the run itself is not affected.
        }
    }
}
