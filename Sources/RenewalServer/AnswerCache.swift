import Hummingbird
import HTTPTypes
import Synchronization

/// Whole answers to the items requests served from held layers, kept for the next identical request
/// until a budget of bytes is spent (then the oldest go first). A key holds everything the answer
/// depends on: the store's content version (so an import or a replaced result is never answered from
/// an older answer), the address the links are written with (`Host`), the request target (path and
/// query, byte for byte) and whether the body is gzip-compressed. Map clients ask for the same
/// pages again and again (every user panning over the same district); such a request costs a
/// dictionary lookup instead of a box search and a page written anew.
final class AnswerCache: Sendable {
    struct Answer: Sendable {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: ByteBuffer
    }

    private struct State {
        var entries: [String: Answer] = [:]
        /// Keys from oldest to newest; `head` is the oldest still counted.
        var order: [String] = []
        var head = 0
        var bytes = 0
        var hits = 0, misses = 0
    }

    /// The most bytes kept (bodies, keys and a fixed allowance for headers); 0 keeps nothing.
    let budget: Int
    private let state = Mutex(State())

    init(budget: Int) { self.budget = budget }

    static func key(version: Int, base: String, target: String, gzip: Bool) -> String {
        "\(version)\u{1F}\(base)\u{1F}\(target)\u{1F}\(gzip ? "gzip" : "identity")"
    }

    static func size(of answer: Answer, key: String) -> Int { answer.body.readableBytes + key.utf8.count + 256 }

    /// The answer kept for `key`, if any.
    func answer(for key: String) -> Answer? {
        state.withLock { state in
            let found = state.entries[key]
            if found == nil { state.misses += 1 } else { state.hits += 1 }
            return found
        }
    }

    /// Keeps `answer` for `key`, dropping the oldest answers while the budget is exceeded; an answer
    /// larger than the whole budget is not kept.
    func keep(_ answer: Answer, for key: String) {
        let size = Self.size(of: answer, key: key)
        guard size <= budget else { return }
        state.withLock { state in
            if let old = state.entries.updateValue(answer, forKey: key) {
                state.bytes -= Self.size(of: old, key: key)
            } else {
                state.order.append(key)
            }
            state.bytes += size
            while state.bytes > budget, state.head < state.order.count {
                let oldest = state.order[state.head]
                state.head += 1
                if let gone = state.entries.removeValue(forKey: oldest) { state.bytes -= Self.size(of: gone, key: oldest) }
            }
            if state.head > 1024, state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
        }
    }

    /// Answers found and not found so far, and the bytes kept.
    var statistics: (hits: Int, misses: Int, bytes: Int) {
        state.withLock { ($0.hits, $0.misses, $0.bytes) }
    }
}
