using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>
/// The C heap setting for processes that run graphs for hours (glibc on Linux). FFmpeg keeps a few small
/// allocations alive for as long as a demuxer or codec lives, e.g. the concat demuxer 48 bytes for every file it has
/// opened. glibc serves a small request first from a per-thread cache (tcache) and fast bins of recently freed
/// chunks, which lie wherever the last file's buffers were, so each such allocation pins a page of an otherwise free
/// region that <c>malloc_trim</c> can no longer give back: RSS grew 10-20 MB/h on a long concat transcode with
/// nothing growing in the C heap's bytes in use. With the cache and the fast bins off, small requests are carved
/// from the arena in order and sit together; with large blocks in mappings of their own, bursts of them no longer
/// stay resident in the arena until the next trim: RSS stayed flat (README, "Memory"). glibc reads the setting only when a
/// process image starts, so <see cref="RestartProcess"/> starts this process's image again with it.
/// </summary>
public static class CompactNativeHeap
{
    /// <summary>The <c>GLIBC_TUNABLES</c> value: glibc's per-thread cache and fast bins off, and blocks of 64 KB and
    /// more from their own mappings, given back when freed (a fixed threshold: by default glibc raises it to the
    /// largest block freed, up to 32 MB, and keeps such blocks in the arenas until the next trim).</summary>
    public const string Tunables = "glibc.malloc.tcache_count=0:glibc.malloc.mxfast=0:glibc.malloc.mmap_threshold=65536";

    /// <summary>
    /// Starts this process's image again (<c>execv</c> of <c>/proc/self/exe</c>: same process id, arguments, open
    /// files and environment) with <c>GLIBC_TUNABLES=</c><see cref="Tunables"/>. Call it first thing in <c>Main</c>,
    /// before any work or thread of your own, in a program meant to run for hours. Does nothing and returns false
    /// when <c>GLIBC_TUNABLES</c> is already set (so a restarted process goes on, and a user's own setting, even an
    /// empty one, wins), on a system without glibc, or when the restart is refused; otherwise it does not return.
    /// The cost measured here: the restart adds one process-image start, and the transcode ran within noise of
    /// glibc's defaults.
    /// </summary>
    public static bool RestartProcess() => ProcessAllocator.RestartWith(Tunables);
}
