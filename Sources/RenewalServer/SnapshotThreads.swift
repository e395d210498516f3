import Foundation
import GeoStore
import NIOPosix

/// The threads that hold store snapshots while a page is read and streamed (docs/concurrency.md,
/// rule 6): one pool for the process, as many threads as a store lends snapshots (`concurrentSnapshots`), so every page that runs has its reader at once and further pages wait in
/// the pool's queue instead of holding threads. Blocking reads never run on the event loops.
enum SnapshotThreads {
    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: concurrentSnapshots)
        pool.start()
        return pool
    }()
}
