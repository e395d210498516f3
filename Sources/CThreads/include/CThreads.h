#ifndef RENEWALGIS_CTHREADS_H
#define RENEWALGIS_CTHREADS_H
// Thread and allocator calls Swift cannot make directly (variadic, or declared only in headers
// the Glibc module leaves out).

/// Raises the calling thread's nice value (Linux: per thread) to `nice`, so it runs in the time
/// other threads leave. Returns 0, or -1 with errno set.
int rg_nice_this_thread(int nice);

/// Caps glibc's malloc arenas at `count` (glibc's default: eight per core, each thread that
/// allocates may open one). Returns 1 on success, 0 on error.
int rg_limit_malloc_arenas(int count);

#endif
