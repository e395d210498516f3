import Foundation

/// Results of work spread over threads (`DispatchQueue.concurrentPerform`, a background queue): each
/// worker sets its own index; the consumer takes them in index order as each becomes ready.
public final class PendingResults<T>: @unchecked Sendable {
    private var storage: [T?]
    private let count: Int
    private let condition = NSCondition()
    /// The slot the consumer waits for (or took last): workers stay within `window` slots of it.
    private var consumed = 0

    public init(count: Int) { self.count = count; storage = Array(repeating: nil, count: count) }

    public func set(_ index: Int, _ value: T) {
        condition.lock()
        storage[index] = value
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until slot `index` is set, then hands its value over (the slot is emptied).
    public func wait(_ index: Int) -> T {
        condition.lock()
        defer { condition.unlock() }
        if index > consumed { consumed = index; condition.broadcast() }
        while storage[index] == nil { condition.wait() }
        let value = storage[index]!
        storage[index] = nil
        return value
    }

    /// Starts `threads` background threads that compute every slot with `work`, taking indices in
    /// increasing order, so a consumer reading slots in order rarely waits long. At most `window`
    /// slots ahead of the one the consumer waits for are computed, so finished results do not pile
    /// up in memory when the consumer is the slower side. Returns at once.
    public func fill(threads: Int = ProcessInfo.processInfo.activeProcessorCount, window: Int = .max,
                     _ work: @escaping @Sendable (Int) -> T) {
        nonisolated(unsafe) var taken = 0
        for _ in 0..<max(1, min(threads, count)) {
            Thread.detachNewThread {
                while true {
                    self.condition.lock()
                    let index = taken
                    taken += 1
                    while index < self.count && index - self.consumed >= window { self.condition.wait() }
                    self.condition.unlock()
                    guard index < self.count else { return }
                    self.set(index, work(index))
                }
            }
        }
    }

    /// Every result, in index order (blocks until all are set).
    public var values: [T] { (0..<count).map { wait($0) } }
}

