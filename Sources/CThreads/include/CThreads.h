#ifndef RENEWALGIS_CTHREADS_H
#define RENEWALGIS_CTHREADS_H
// Operating-system calls Swift cannot make directly (variadic or macro-only in glibc).

/// Raises the calling thread's nice value (Linux: per thread) to `nice`, so it runs in the time
/// other threads leave. Returns 0, or -1 with errno set.
int rg_nice_this_thread(int nice);

#endif
