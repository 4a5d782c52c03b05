using System.Runtime.InteropServices;

namespace MediaGraph.Interop;

/// <summary>
/// Checks, once, that the native shim loads and that the FFmpeg it runs against has the major versions it was
/// built for; says exactly what is missing otherwise (DESIGN decision 10).
/// </summary>
internal static class NativeLibraryCheck
{
    private static readonly Lazy<string?> Problem = new(Check, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly string[] LibraryNames = ["avutil", "avcodec", "avformat", "avfilter", "swscale", "swresample"];

    /// <summary>Throws a <see cref="MediaGraphException"/> explaining what is missing when the native layer is unusable.</summary>
    public static void EnsureLoaded()
    {
        if (Problem.Value is { } problem) throw new MediaGraphException(null, problem);
    }

    /// <summary>One line per library: compiled-against and loaded versions.</summary>
    public static unsafe string Report()
    {
        EnsureLoaded();
        var lines = new List<string> { $"native shim: {NativeMethods.Library} loaded" };
        for (var i = 0; i < LibraryNames.Length; i++)
        {
            NativeMethods.mg_library_version(i, 1, out var built);
            NativeMethods.mg_library_version(i, 0, out var loaded);
            lines.Add($"lib{LibraryNames[i],-11} built {Version(built),-10} loaded {Version(loaded)}");
        }
        return string.Join(Environment.NewLine, lines);
    }

    private static string Version(uint v) => $"{v >> 16}.{(v >> 8) & 0xff}.{v & 0xff}";

    private static string? Check()
    {
        try
        {
            for (var i = 0; i < LibraryNames.Length; i++)
            {
                NativeMethods.mg_library_version(i, 1, out var built);
                NativeMethods.mg_library_version(i, 0, out var loaded);
                if (built >> 16 != loaded >> 16)
                    return $"lib{LibraryNames[i]} major version {loaded >> 16} is loaded but the native shim was built against {built >> 16}; rebuild (delete native/build and run dotnet build)";
            }
            // FFmpeg's own log is not ours: failures come back as exceptions and damage as counted warnings.
            NativeMethods.mg_set_log_level(-8); // AV_LOG_QUIET
            return null;
        }
        catch (DllNotFoundException e)
        {
            return $"the native library '{NativeMethods.Library}' or the FFmpeg libraries it needs could not be loaded ({e.Message}). " +
                   "Install FFmpeg's shared libraries (Debian: apt-get install libavformat59 libavfilter8 libswscale6) and make sure libmediagraph_native.so sits next to MediaGraph.dll or under runtimes/linux-x64/native/.";
        }
        catch (EntryPointNotFoundException e)
        {
            return $"the native library '{NativeMethods.Library}' is older than MediaGraph.dll ({e.Message}); rebuild it";
        }
    }
}
