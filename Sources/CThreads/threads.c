#define _GNU_SOURCE
#include "CThreads.h"
#include <malloc.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

int rg_nice_this_thread(int nice) {
    // On Linux PRIO_PROCESS with a thread id sets that thread's nice value only.
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice);
}

int rg_limit_malloc_arenas(int count) {
    return mallopt(M_ARENA_MAX, count);
}
