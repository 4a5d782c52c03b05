namespace MediaGraph.Interop;

/// <summary>The C heap FFmpeg allocates frames, packets and codec contexts from (native/memory.c).</summary>
internal static class NativeHeap
{
    /// <summary>Gives the free memory of every malloc arena back to the system (glibc's <c>malloc_trim(0)</c>).
    /// True when something was released.</summary>
    public static bool Trim() => NativeMethods.mg_memory_trim() == 1;

    private static int _state; // 0 idle, 1 a trim queued or running, 2 ... and another asked for after it

    /// <summary>Trims on a pool thread, so nobody waits for it (a trim's cost grows with what it gives back: about 50 ms
    /// per 100 MB). Requests while one runs fold into one more trim after it.</summary>
    public static void TrimInBackground()
    {
        while (true)
        {
            var state = Volatile.Read(ref _state);
            if (state == 2) return;
            if (Interlocked.CompareExchange(ref _state, state + 1, state) != state) continue;
            if (state == 0) ThreadPool.UnsafeQueueUserWorkItem(static _ => TrimWhileAsked(), null);
            return;
        }
    }

    private static void TrimWhileAsked()
    {
        do Trim();
        while (Interlocked.Decrement(ref _state) > 0);
    }

    /// <summary>No trim queued or running (tests).</summary>
    internal static bool Idle => Volatile.Read(ref _state) == 0;

    /// <summary>Times <see cref="Trim"/> ran in this process (tests).</summary>
    public static long Trims => NativeMethods.mg_memory_trims();

    /// <summary>Bytes in use, free but kept by the allocator, and taken from the system, over every arena; null
    /// where the C library cannot say.</summary>
    public static (long InUse, long Free, long Mapped)? Stats()
        => NativeMethods.mg_memory_stats(out var inUse, out var free, out var mapped) == NativeMethods.Ok ? (inUse, free, mapped) : null;
}
