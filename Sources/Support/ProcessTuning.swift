import CThreads
import Foundation

/// Lowers the calling thread's priority (nice 10) so that it runs on what the other threads of the
/// process leave: for side work (writing a CSV) that must not slow the critical path (the SQLite writer).
public func runThisThreadInSpareTime() {
    _ = rg_nice_this_thread(10)
}

/// One malloc arena per core instead of glibc's eight: each worker thread would otherwise open its
/// own, a few MB of resident memory for no speed. Call once, before starting threads.
public func limitMallocArenasToCores() {
    _ = rg_limit_malloc_arenas(Int32(ProcessInfo.processInfo.activeProcessorCount))
}
