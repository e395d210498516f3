import Dispatch
import Foundation
import Synchronization

/// How many threads independent pieces of work may use. The jobs layer chooses (all cores for a
/// command, one in a test); analyses take it as a parameter and never start threads themselves
/// (docs/concurrency.md, rule 1).
public struct Parallelism: Sendable {
    /// Threads at most (1: everything on the calling thread).
    public let width: Int

    public init(width: Int) { self.width = max(1, width) }

    /// Everything on the calling thread.
    public static let serial = Parallelism(width: 1)
    /// One thread per core.
    public static var allCores: Parallelism { Parallelism(width: ProcessInfo.processInfo.activeProcessorCount) }

    /// `work(0) … work(count − 1)`, results in index order. With a width above 1 the indices are taken
    /// in increasing order by up to `width` threads (the calling one among them).
    public func map<T>(_ count: Int, _ work: @Sendable (Int) -> T) -> [T] {
        guard width > 1, count > 1 else { return (0..<count).map(work) }
        let next = Mutex(0)
        let results = PendingResults<T>(count: count)
        DispatchQueue.concurrentPerform(iterations: min(width, count)) { _ in
            while true {
                let i = next.withLock { n -> Int in defer { n += 1 }; return n }
                guard i < count else { return }
                results.set(i, work(i))
            }
        }
        return results.values
    }

    /// As `map`, for work that throws: every index runs, then the error of the lowest failing index
    /// is rethrown.
    public func map<T>(_ count: Int, _ work: @Sendable (Int) throws -> T) throws -> [T] {
        try map(count) { i in Result { try work(i) } }.map { try $0.get() }
    }
}
