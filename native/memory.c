/*
 * memory.c — the C heap of the process: giving freed memory back to the system, and what the heap holds.
 *
 * FFmpeg's frames, packets and codec contexts are allocated with malloc on whichever thread runs them. glibc gives
 * each thread that allocates an arena of its own (up to 8 per core) and keeps what is freed there for reuse: a
 * process that runs many graphs, each node on a thread of its own, keeps the peak of every arena it ever used
 * resident. mg_memory_trim, called when a graph run ends, hands the free pages of every arena back.
 */
#include "mediagraph.h"

#include <stdatomic.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

static atomic_llong trims;

int mg_memory_trim(void)
{
    atomic_fetch_add(&trims, 1);
#if defined(__GLIBC__)
    return malloc_trim(0) ? 1 : 0;
#else
    return -1;
#endif
}

int64_t mg_memory_trims(void)
{
    return (int64_t)atomic_load(&trims);
}

int mg_memory_stats(int64_t *in_use, int64_t *free_bytes, int64_t *mapped)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    if (in_use) *in_use = (int64_t)(mi.uordblks + mi.hblkhd);
    if (free_bytes) *free_bytes = (int64_t)mi.fordblks;
    if (mapped) *mapped = (int64_t)(mi.arena + mi.hblkhd);
    return MG_OK;
#else
    if (in_use) *in_use = -1;
    if (free_bytes) *free_bytes = -1;
    if (mapped) *mapped = -1;
    return -1;
#endif
}
