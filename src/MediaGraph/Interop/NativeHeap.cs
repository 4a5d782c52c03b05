namespace MediaGraph.Interop;

/// <summary>The C heap FFmpeg allocates frames, packets and codec contexts from (native/memory.c).</summary>
internal static class NativeHeap
{
    /// <summary>Gives the free memory of every malloc arena back to the system (glibc's <c>malloc_trim(0)</c>).
    /// True when something was released.</summary>
    public static bool Trim() => NativeMethods.mg_memory_trim() == 1;

    /// <summary>Times <see cref="Trim"/> ran in this process (tests).</summary>
    public static long Trims => NativeMethods.mg_memory_trims();

    /// <summary>Bytes in use, free but kept by the allocator, and taken from the system, over every arena; null
    /// where the C library cannot say.</summary>
    public static (long InUse, long Free, long Mapped)? Stats()
        => NativeMethods.mg_memory_stats(out var inUse, out var free, out var mapped) == NativeMethods.Ok ? (inUse, free, mapped) : null;
}
