import Foundation

/// Per-index result slots for work spread with `DispatchQueue.concurrentPerform`: each
/// iteration writes its own index, a lock orders the writes, `values` reads them all after.
public final class ResultSlots<T>: @unchecked Sendable {
    private var storage: [T?]
    private let lock = NSLock()

    public init(count: Int) { storage = Array(repeating: nil, count: count) }

    public func set(_ index: Int, _ value: T) {
        lock.lock()
        storage[index] = value
        lock.unlock()
    }

    /// Every slot's value; call after all iterations finished (a missing value is a programming error).
    public var values: [T] {
        lock.lock()
        defer { lock.unlock() }
        return storage.map { $0! }
    }
}

/// Results produced in the background, taken in index order as each becomes ready.
public final class PendingResults<T>: @unchecked Sendable {
    private var storage: [T?]
    private let condition = NSCondition()

    public init(count: Int) { storage = Array(repeating: nil, count: count) }

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
        while storage[index] == nil { condition.wait() }
        let value = storage[index]!
        storage[index] = nil
        return value
    }
}
