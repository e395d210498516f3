import Foundation
import GeoStore
import NIOPosix

/// The threads that hold store snapshots while a page is read and streamed (docs/concurrency.md,
/// rule 6), one pool for the process. A page takes a thread for as long as its client reads it (a slow
/// client up to the idle timeout), so the pool is twice as wide as the readers a store lends
/// (`concurrentSnapshots`): a few slow clients do not leave the other pages waiting for a thread; a
/// page beyond the readers waits for a reader on its thread, never on an event loop. (Wider costs
/// throughput on two cores: measured in docs/concurrency.md.)
enum SnapshotThreads {
    /// Threads of the pool: twice the snapshots a store lends.
    static let count = concurrentSnapshots * 2

    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: count)
        pool.start()
        return pool
    }()
}

extension SnapshotThreads {
    /// Runs `body`, which reads the store, on a thread of the pool, and returns what it returns: the
    /// handler awaiting it never blocks its event loop (docs/concurrency.md, rule 6).
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }
}
