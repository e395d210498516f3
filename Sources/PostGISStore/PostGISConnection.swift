import Foundation
import GeoStore
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// Where a PostGIS store is: `postgresql://user[:password]@host[:port]/database[?schema=name]` (also
/// `postgres://`). The password is kept for connecting only: `description` and every error name the
/// server without it.
public struct PostGISAddress: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    /// The schema holding the store's tables (nil: `public`); PostGIS itself is found in `public`.
    public var schema: String?
    var password: String?

    /// Reads a connection URL; nil when it is not a `postgresql://` URL with a host and a database.
    public init?(url: String) {
        guard let parts = URLComponents(string: url), ["postgresql", "postgres"].contains(parts.scheme?.lowercased() ?? ""),
              let host = parts.host, !host.isEmpty else { return nil }
        let database = String(parts.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { return nil }
        self.host = host
        self.port = parts.port ?? 5432
        self.user = parts.user ?? "postgres"
        self.database = database.removingPercentEncoding ?? database
        self.password = parts.password?.removingPercentEncoding ?? parts.password
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
        PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: .disable)
    }
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
/// waited for on the calling thread (never an event-loop thread: the server reads on its snapshot threads).
final class PGSession: Sendable {
    let connection: PostgresConnection
    let address: PostGISAddress
    /// The statement timeout the snapshots set, for the error a cancelled statement becomes.
    let queryTimeLimit: Double
    private static let logger = Logger(label: "renewalgis.postgis")

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
            throw StoreError.database(path: address.description,
                                      message: "cannot connect to PostgreSQL at \(address.host):\(address.port), database \(address.database), user \(address.user): \(reason(error))")
        }
    }

    /// Runs one statement and returns its rows.
    @discardableResult
    func rows(_ sql: String, _ values: [PGValue] = []) throws -> [PostgresRow] {
        var binds = PostgresBindings(capacity: values.count)
        for v in values { v.bind(into: &binds) }
        do {
            return try connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: Self.logger).wait().rows
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "57014" {
            throw StoreError.queryTimeLimit(seconds: queryTimeLimit)
        } catch {
            throw StoreError.database(path: address.description, message: Self.reason(error))
        }
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

    func close() { try? connection.close().wait() }

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
        defer {
            let kept = idle.withLock { sessions -> Bool in
                guard !session.isClosed, sessions.count < limit else { return false }
                sessions.append(session)
                return true
            }
            if !kept { session.close() }
        }
        return try body(session)
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
                do { try session.rows("ROLLBACK") } catch { session.close() }
                throw error
            }
        }
    }

    deinit { for s in idle.withLock({ $0 }) { s.close() } }
}
