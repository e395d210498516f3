import Foundation
import Hummingbird

/// Where an items answer goes: its response (head), then the chunks of its body.
protocol PageOutput {
    func respond(_ response: Response)
    func put(_ chunk: [UInt8]) throws
    /// The body the response carries: the chunks put, compressed when `gzip`.
    func body(gzip: Bool) -> ResponseBody
    /// Whether the whole body is written before the response is sent, so a HEAD answer can give
    /// its length as the GET does (a streamed body has none to give).
    var measuresWholeBody: Bool { get }
}

/// An answer written whole before it is sent (a page from memory, a few kilobytes): the response
/// and every chunk, on the calling thread; sent with its length (gzip-compressed in one go when asked).
final class WholePage: PageOutput {
    /// A HEAD request: the response gets the GET's Content-Length and no body.
    private let head: Bool
    private var responded: Response?
    private var bytes: [UInt8] = []
    /// Set when the response carries the page as its body: whether to compress it.
    private var bodyGzip: Bool?

    init(head: Bool) { self.head = head }

    var measuresWholeBody: Bool { true }
    func respond(_ response: Response) { responded = response }
    func put(_ chunk: [UInt8]) { bytes += chunk }

    /// A placeholder: `response()` gives the response its body once every chunk is in.
    func body(gzip: Bool) -> ResponseBody {
        bodyGzip = gzip
        return ResponseBody()
    }

    struct NoResponse: Error {}

    func response() throws -> Response { try finished().response }

    /// The response, and the whole answer (status, headers with Content-Length, body) when it
    /// carries the page (not a 304 or an error) — what `AnswerCache` keeps.
    func finished() throws -> (response: Response, whole: AnswerCache.Answer?) {
        guard var response = responded else { throw NoResponse() }
        guard let gzip = bodyGzip else { return (response, nil) }
        var buffer = ByteBuffer(bytes: bytes)
        if gzip { buffer = try buffer.gzipped() }
        // A new response, so that its Content-Length is the body's (a HEAD's is the GET's).
        response.headers[.contentLength] = String(buffer.readableBytes)
        let whole = AnswerCache.Answer(status: response.status, headers: response.headers, body: buffer)
        return (whole.response(head: head), whole)
    }
}

extension AnswerCache.Answer {
    /// The answer as a response; a HEAD's has the GET's headers (Content-Length included) and no body.
    func response(head: Bool) -> Response {
        Response(status: status, headers: headers,
                 body: head ? ResponseBody { writer in try await writer.finish(nil) } : ResponseBody(byteBuffer: body))
    }
}

/// Hands a response, then the chunks of its body, from the thread that holds a store snapshot to the
/// task writing the response. The producer blocks while two chunks wait (so memory stays flat); when
/// the writer has taken nothing for `stallTimeout` seconds, or has gone away (`abandon`), `put`
/// throws and the producer ends its read transaction.
final class PageChannel: PageOutput, @unchecked Sendable {
    var measuresWholeBody: Bool { false }
    private let condition = NSCondition()
    private let stallTimeout: Double
    private let capacity = 2
    private var responded: Result<Response, Error>?
    private var responseWaiter: CheckedContinuation<Response, Error>?
    private var chunks: [[UInt8]] = []
    private var chunkWaiter: CheckedContinuation<[UInt8]?, Error>?
    private var finished = false
    private var failure: Error?
    private var abandoned = false

    struct Abandoned: Error {}

    init(stallTimeout: Double) { self.stallTimeout = stallTimeout }

    // MARK: producer (the snapshot thread)

    /// The response (its head; a streamed body then reads `next`).
    func respond(_ response: Response) { deliver(.success(response)) }

    /// Queues a chunk of the body, waiting while the writer is behind.
    func put(_ chunk: [UInt8]) throws {
        condition.lock()
        let deadline = Date(timeIntervalSinceNow: stallTimeout)
        while true {
            if abandoned { condition.unlock(); throw Abandoned() }
            // A waiting writer has taken everything queued: hand the chunk over directly.
            if let waiter = chunkWaiter {
                chunkWaiter = nil
                condition.unlock()
                waiter.resume(returning: chunk)
                return
            }
            if chunks.count < capacity {
                chunks.append(chunk)
                condition.unlock()
                return
            }
            if !condition.wait(until: deadline) { abandoned = true }
        }
    }

    /// The producer is done: the body ends here, or with `error` (which also answers a response not yet given).
    func finish(_ error: Error?) {
        deliver(.failure(error ?? Abandoned()))
        condition.lock()
        finished = true
        failure = error
        let waiter = chunkWaiter
        chunkWaiter = nil
        condition.unlock()
        if let waiter {
            if let error { waiter.resume(throwing: error) } else { waiter.resume(returning: nil) }
        }
    }

    private func deliver(_ result: Result<Response, Error>) {
        condition.lock()
        guard responded == nil else { condition.unlock(); return }
        responded = result
        let waiter = responseWaiter
        responseWaiter = nil
        condition.unlock()
        waiter?.resume(with: result)
    }

    // MARK: consumer (the response writer)

    func response() async throws -> Response {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Response, Error>) in
            condition.lock()
            if let result = responded {
                condition.unlock()
                c.resume(with: result)
            } else {
                responseWaiter = c
                condition.unlock()
            }
        }
    }

    /// The next chunk of the body; nil at its end.
    func next() async throws -> [UInt8]? {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<[UInt8]?, Error>) in
            condition.lock()
            if !chunks.isEmpty {
                let chunk = chunks.removeFirst()
                condition.broadcast()
                condition.unlock()
                c.resume(returning: chunk)
            } else if finished {
                let error = failure
                condition.unlock()
                if let error { c.resume(throwing: error) } else { c.resume(returning: nil) }
            } else {
                chunkWaiter = c
                condition.unlock()
            }
        }
    }

    /// The body: the chunks as the producer puts them, compressed when `gzip`.
    func body(gzip: Bool) -> ResponseBody {
        ResponseBody { writer in
            // However the writing ends, the snapshot thread stops waiting for it.
            defer { self.abandon() }
            var out = try BodyStream(gzip: gzip)
            while let chunk = try await self.next() { try await out.write(chunk, to: &writer) }
            try await out.finish(&writer)
        }
    }

    /// The writer stops (done, or the client went away): a waiting producer gives up.
    func abandon() {
        condition.lock()
        abandoned = true
        condition.broadcast()
        condition.unlock()
    }
}
