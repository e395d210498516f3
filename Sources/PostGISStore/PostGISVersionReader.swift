import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// Reads a PostGIS store's content version for servers that ask on every request, without holding
/// a thread and with one statement in flight at a time, on a connection of its own: requests that
/// arrive while a read is in flight wait for the next one, which starts after they arrived, so none
/// is answered with a version older than its arrival, and a burst of requests costs one statement.
final class PostGISVersionReader: Sendable {
    private let address: PostGISAddress
    private struct State {
        var reading = false
        var waiting: [CheckedContinuation<Int, any Error>] = []
        var connection: PostgresConnection?
    }
    private let state = Mutex(State())

    init(address: PostGISAddress) { self.address = address }

    func read() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let start = state.withLock { state -> Bool in
                state.waiting.append(continuation)
                guard !state.reading else { return false }
                state.reading = true
                return true
            }
            if start { readForWaiting() }
        }
    }

    /// One statement for every request waiting now; then again while more have come.
    private func readForWaiting() {
        let batch = state.withLock { state -> [CheckedContinuation<Int, any Error>] in
            defer { state.waiting = [] }
            return state.waiting
        }
        Task {
            let result: Result<Int, any Error>
            do { result = .success(try await self.statement()) } catch { result = .failure(error) }
            for waiter in batch { waiter.resume(with: result) }
            let more = state.withLock { state -> Bool in
                if state.waiting.isEmpty { state.reading = false }
                return !state.waiting.isEmpty
            }
            if more { readForWaiting() }
        }
    }

    private func statement() async throws -> Int {
        let connection = try await openConnection()
        do {
            for try await row in try await connection.query("SELECT content_version FROM renewalgis_state", logger: PGSession.logger) {
                return Int(try row.decode(Int64.self))
            }
            return 0
        } catch {
            if connection.isClosed { state.withLock { $0.connection = nil } }
            throw error
        }
    }

    private func openConnection() async throws -> PostgresConnection {
        if let open = state.withLock({ $0.connection }), !open.isClosed { return open }
        var configuration = address.configuration
        configuration.options.connectTimeout = .seconds(10)
        let connection = try await PostgresConnection.connect(on: PGSession.group.next(), configuration: configuration, id: 1, logger: PGSession.logger)
        if let schema = address.schema {
            try await connection.query("SELECT set_config('search_path', \(PGSQL.quote(schema) + ", public"), false)", logger: PGSession.logger)
        }
        state.withLock { $0.connection = connection }
        return connection
    }

    deinit {
        // The closure holds the connection until it has closed (postgres-nio requires a connection
        // to be closed before it goes away).
        if let connection = state.withLock({ $0.connection }) { connection.close().whenComplete { _ in withExtendedLifetime(connection) {} } }
    }
}
