import Dispatch
import Foundation
import GeoStore
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// Where a PostGIS store is: `postgresql://user[:password]@host[:port]/database[?schema=name]` (also
/// `postgres://`). Parts the URL leaves out come from libpq's environment variables, as `psql` takes
/// them: PGHOST (a directory starting with / is a Unix socket's), PGPORT, PGUSER, PGPASSWORD,
/// PGDATABASE — so `postgresql:///city` or `postgresql://planner@db/city` with PGPASSWORD set work;
/// then localhost, 5432, `postgres`, and the user's name as the database. The password is kept for
/// connecting only: `description` and every error name the server without it.
public struct PostGISAddress: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    /// The schema holding the store's tables (nil: `public`); PostGIS itself is found in `public`.
    public var schema: String?
    var password: String?

    /// Whether `text` is meant as a PostgreSQL URL (`postgresql:` or `postgres:`, any case) rather
    /// than a file path.
    public static func looksLikeURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("postgresql:") || lower.hasPrefix("postgres:")
    }

    /// Reads a connection URL, filling what it leaves out from `environment` (see the type); nil when
    /// it is not a `postgresql://` URL.
    public init?(url: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard let parts = URLComponents(string: url), ["postgresql", "postgres"].contains(parts.scheme?.lowercased() ?? "") else { return nil }
        func env(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        func decoded(_ s: String?) -> String? { s.map { $0.removingPercentEncoding ?? $0 }.flatMap { $0.isEmpty ? nil : $0 } }
        let port = parts.port ?? env("PGPORT").flatMap { Int($0) } ?? 5432
        guard (1...65_535).contains(port) else { return nil }
        self.host = decoded(parts.host) ?? env("PGHOST") ?? "localhost"
        self.port = port
        self.user = decoded(parts.user) ?? env("PGUSER") ?? "postgres"
        self.database = decoded(String(parts.path.drop(while: { $0 == "/" }))) ?? env("PGDATABASE") ?? self.user
        self.password = parts.password.map { $0.removingPercentEncoding ?? $0 } ?? env("PGPASSWORD")
        self.schema = parts.queryItems?.first { $0.name == "schema" }?.value.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The address without the password, as errors and logs show it.
    public var description: String { "postgresql://\(user)@\(host):\(port)/\(database)" + (schema.map { "?schema=\($0)" } ?? "") }

    public var debugDescription: String { description }

    /// What `dump` and debuggers show: everything but the password.
    public var customMirror: Mirror {
        Mirror(self, children: ["host": host, "port": port, "user": user, "database": database, "schema": schema as Any])
    }

    var configuration: PostgresConnection.Configuration {
        if host.hasPrefix("/") {
            // A socket directory, as libpq takes it: the socket is `.s.PGSQL.<port>` in it.
            return PostgresConnection.Configuration(unixSocketPath: "\(host)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        }
        return PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: .disable)
    }

    /// `host:port` as messages name the server.
    var server: String { "\(host):\(port)" }

    /// The schema the store's tables are in.
    var schemaName: String { schema ?? "public" }
}

/// A value bound to a `$n` placeholder, typed as PostgreSQL will see it.
enum PGValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case boolean(Bool)
    case bytes(Data)

    func bind(into binds: inout PostgresBindings) {
        switch self {
        case .null: binds.appendNull()
        case .integer(let i): binds.append(i)
        case .real(let d): binds.append(d)
        case .text(let s): binds.append(s)
        case .boolean(let b): binds.append(b)
        case .bytes(let d): binds.append(ByteBuffer(bytes: d))
        }
    }
}

/// One connection used synchronously: each statement is sent on postgres-nio's future-returning API and
/// waited for on the calling thread (never an event-loop thread: the server reads on its snapshot threads,
/// the jobs write on theirs). COPY, which postgres-nio offers only as `async`, is bridged the same way.
final class PGSession: Sendable {
    let connection: PostgresConnection
    let address: PostGISAddress
    /// The statement timeout the snapshots set, for the error a cancelled statement becomes.
    let queryTimeLimit: Double
    /// The SQLSTATE of the last statement that failed (nil: none, or the client failed), so a writer
    /// can say what a refusal means (42501: no rights).
    private let failedState = Mutex<String?>(nil)
    static let logger = Logger(label: "renewalgis.postgis")

    /// `name` as a table of the store's schema: quoted, and qualified when the address names a schema.
    /// `public` stays on the search path for PostGIS's functions, so an unqualified name missing from
    /// the schema would find (and a DROP would remove) a table of the same name in `public`.
    func table(_ name: String) -> String {
        (address.schema.map { PGSQL.quote($0) + "." } ?? "") + PGSQL.quote(name)
    }

    /// One small event-loop group for every PostGIS connection of the process (never shut down).
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    private init(connection: PostgresConnection, address: PostGISAddress, queryTimeLimit: Double) {
        self.connection = connection; self.address = address; self.queryTimeLimit = queryTimeLimit
    }

    /// Connects, or throws `StoreError.database` naming host, port, database and user (never the password).
    static func connect(_ address: PostGISAddress, queryTimeLimit: Double) throws -> PGSession {
        var configuration = address.configuration
        configuration.options.connectTimeout = .seconds(10)
        do {
            let connection = try PostgresConnection.connect(on: group.next(), configuration: configuration, id: 0, logger: logger).wait()
            let session = PGSession(connection: connection, address: address, queryTimeLimit: queryTimeLimit)
            if let schema = address.schema {
                do { try session.rows("SELECT set_config('search_path', $1, false)", [.text("\(PGSQL.quote(schema)), public")]) } catch {
                    session.close()
                    throw error
                }
            }
            return session
        } catch let error as StoreError {
            throw error
        } catch {
            let state = (error as? PSQLError)?.serverInfo?[.sqlState]
            let message = switch state {
            case "28P01": "PostgreSQL at \(address.server) refused the password of user \(address.user) for database \(address.database) (password authentication failed)"
            case "3D000": "there is no database \(address.database) on PostgreSQL at \(address.server)"
            default: "cannot connect to PostgreSQL at \(address.server), database \(address.database), user \(address.user): \(reason(error))"
            }
            throw StoreError.database(path: address.description, message: message)
        }
    }

    /// Runs one statement and returns its rows.
    @discardableResult
    func rows(_ sql: String, _ values: [PGValue] = []) throws -> [PostgresRow] {
        var binds = PostgresBindings(capacity: values.count)
        for v in values { v.bind(into: &binds) }
        failedState.withLock { $0 = nil }
        do {
            if connection.isClosed { throw ConnectionClosed() }
            return try waitGivingUpWhenClosed(connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: Self.logger)).rows
        } catch {
            throw failure(error)
        }
    }

    /// Waits for `future` on the calling thread, or throws `ConnectionClosed` when the connection is
    /// found closed first (postgres-nio may never answer a statement queued behind a COPY on a
    /// connection the server ended).
    private func waitGivingUpWhenClosed<T: Sendable>(_ future: EventLoopFuture<T>) throws -> T {
        let outcome = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        future.whenComplete { result in
            outcome.withLock { $0 = result }
            done.signal()
        }
        while done.wait(timeout: .now() + .milliseconds(200)) == .timedOut {
            if connection.isClosed, outcome.withLock({ $0 == nil }) { throw ConnectionClosed() }
        }
        return try outcome.withLock { $0! }.get()
    }

    /// Sends `data` (rows in COPY's text format) to `COPY table FROM STDIN` and waits for the server to
    /// take them. `table` must be an identifier needing no quotes (postgres-nio puts it in double quotes
    /// as it is) and the rows must give every column, in table order. Waits on the calling thread,
    /// which must not be an event-loop thread (the copy runs on one).
    func copy(into table: String, columns: [String], _ data: ByteBuffer) throws {
        try beginCopy(into: table, columns: columns, data).wait()
    }

    /// A COPY sent and not yet waited for (`beginCopy`).
    /// A COPY's outcome, set by the task that runs it and awaited by the thread that sent it.
    final class PendingCopy: Sendable {
        fileprivate let outcome = Mutex<Result<Void, any Error>?>(nil)
        fileprivate let done = DispatchSemaphore(value: 0)
        fileprivate let session: PGSession
        fileprivate init(session: PGSession) { self.session = session }

        fileprivate func finish(_ result: Result<Void, any Error>) {
            outcome.withLock { $0 = result }
            done.signal()
        }

        /// Waits for the server to take the rows. postgres-nio never answers a COPY started on a
        /// connection that has just closed (the server ended it, or restarted): the wait gives up when
        /// the connection is found closed. (The task is left waiting; it holds only this batch.)
        func wait() throws {
            while done.wait(timeout: .now() + .milliseconds(200)) == .timedOut {
                if session.connection.isClosed, outcome.withLock({ $0 == nil }) { throw session.failure(ConnectionClosed()) }
            }
            do { try outcome.withLock { $0! }.get() } catch { throw session.failure(error) }
        }
    }

    /// Starts `copy(into:columns:_:)` and returns at once, so the caller can prepare the next rows
    /// while the server takes these; `wait()` on the result before the next statement on this session.
    func beginCopy(into table: String, columns: [String], _ data: ByteBuffer) throws -> PendingCopy {
        precondition(!connection.eventLoop.inEventLoop, "COPY waited for on an event-loop thread")
        let pending = PendingCopy(session: self)
        let connection = self.connection
        failedState.withLock { $0 = nil }
        if connection.isClosed { throw failure(ConnectionClosed()) }
        // Not a plain Task: its jobs would wait for the cooperative pool, whose few threads may be the
        // very ones blocked in `done.wait()` (tests and jobs run synchronous code there).
        Task(executorPreference: PGCopyExecutor.shared) {
            let result: Result<Void, any Error>
            do {
                try await connection.copyFrom(table: table, columns: columns, format: .text(.init()), logger: Self.logger) { writer in
                    try await writer.write(data)
                }
                result = .success(())
            } catch {
                result = .failure(error)
            }
            pending.finish(result)
        }
        return pending
    }

    /// The SQLSTATE of the last failed statement (nil when the client failed or none did).
    var lastFailedState: String? { failedState.withLock { $0 } }

    /// A failure as the store reports it: the statement timeout as `queryTimeLimit`, a lost connection
    /// as such (naming the server), anything else with the server's words.
    fileprivate func failure(_ error: any Error) -> StoreError {
        let state = (error as? PSQLError)?.serverInfo?[.sqlState]
        failedState.withLock { $0 = state }
        if state == "57014" { return .queryTimeLimit(seconds: queryTimeLimit) }
        if Self.isConnectionLoss(error) || connection.isClosed {
            return .database(path: address.description,
                             message: "lost the connection to PostgreSQL at \(address.server), database \(address.database) (\(Self.reason(error))); the server restarted or ended it")
        }
        return .database(path: address.description, message: Self.reason(error))
    }

    /// Whether `error` means the connection is gone (closed by the server, a network failure, or the
    /// backend terminated: SQLSTATE 57P01–57P03).
    static func isConnectionLoss(_ error: any Error) -> Bool {
        if error is ConnectionClosed { return true }
        guard let e = error as? PSQLError else { return false }
        if let state = e.serverInfo?[.sqlState] { return state.hasPrefix("57P") }
        return [.serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown].contains(e.code)
    }

    /// The connection was found closed before the server answered.
    struct ConnectionClosed: Error, CustomStringConvertible {
        var description: String { "the connection is closed" }
    }

    /// The first column of the first row, decoded, or nil (no row, or NULL).
    func value<T: PostgresDecodable>(_ type: T.Type, _ sql: String, _ values: [PGValue] = []) throws -> T? {
        guard let cell = try rows(sql, values).first?.makeRandomAccess()[0], cell.bytes != nil else { return nil }
        return try decode(cell, type)
    }

    func decode<T: PostgresDecodable>(_ cell: PostgresCell, _ type: T.Type) throws -> T {
        do { return try cell.decode(type) } catch {
            throw StoreError.database(path: address.description, message: "cannot read column \(cell.columnName): \(Self.reason(error))")
        }
    }

    var isClosed: Bool { connection.isClosed }

    func close() {
        guard !connection.isClosed else { return }
        _ = try? waitGivingUpWhenClosed(connection.close())
    }

    /// What went wrong, for a message: the server's own words when it answered, else the client's
    /// reason. Built from the error's parts only, never from the configuration (so never a password).
    static func reason(_ error: any Error) -> String {
        guard let e = error as? PSQLError else { return "\(error)" }
        if let info = e.serverInfo, let message = info[.message] {
            return [message, info[.detail], info[.hint]].compactMap { $0 }.joined(separator: "; ")
        }
        if let underlying = e.underlying { return "\(underlying)" }
        return "\(e.code)"
    }
}

/// Runs the async half of a COPY on a serial dispatch queue of its own (overcommitting, so it gets a
/// thread even when every thread of Swift's cooperative pool is blocked waiting for a COPY).
final class PGCopyExecutor: TaskExecutor {
    static let shared = PGCopyExecutor()
    private let queue = DispatchQueue(label: "renewalgis.postgis.copy")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// Idle connections of one store, reused by later snapshots (at most `limit` kept).
final class PGSessionPool: Sendable {
    let address: PostGISAddress
    private let idle = Mutex<[PGSession]>([])
    private let limit: Int
    private let queryTimeLimit: Double

    init(address: PostGISAddress, limit: Int, queryTimeLimit: Double) {
        self.address = address; self.limit = limit; self.queryTimeLimit = queryTimeLimit
    }

    /// Runs `body` on an idle connection or a new one, which goes back to the pool afterwards unless it
    /// closed (a failed transaction that could not be rolled back closes it).
    func with<T>(_ body: (PGSession) throws -> T) throws -> T {
        let session = try idle.withLock { $0.popLast() }.flatMap { $0.isClosed ? nil : $0 }
            ?? PGSession.connect(address, queryTimeLimit: queryTimeLimit)
        defer { give(back: session) }
        return try body(session)
    }

    /// Returns a session to the idle ones, or closes it when it closed or the pool is full.
    private func give(back session: PGSession) {
        let kept = idle.withLock { sessions -> Bool in
            guard !session.isClosed, sessions.count < limit else { return false }
            sessions.append(session)
            return true
        }
        if !kept { session.close() }
    }

    /// Runs `body` inside one transaction opened with `begin`: committed when `body` returns, rolled
    /// back when it throws (the connection is closed when even that fails).
    func transaction<T>(_ begin: String, _ body: (PGSession) throws -> T) throws -> T {
        try with { session in
            try session.rows(begin)
            do {
                let result = try body(session)
                try session.rows("COMMIT")
                return result
            } catch {
                if session.isClosed { throw error }
                do { try session.rows("ROLLBACK") } catch { session.close() }
                throw error
            }
        }
    }

    deinit { for s in idle.withLock({ $0 }) { s.close() } }
}
