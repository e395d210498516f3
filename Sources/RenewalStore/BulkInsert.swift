import CSpatiaLite
import Foundation
import GeoKernel
import GRDB
import GeoStore

/// A prepared INSERT bound and stepped through SQLite's C API: the bulk-import hot path,
/// without per-row argument arrays. Lives inside one GRDB write closure (it borrows that
/// connection) and finalises its statement when released.
final class BulkInsert {
    private let connection: OpaquePointer
    private let statement: OpaquePointer
    private let storePath: String

    init(_ db: Database, sql: String, storePath: String) throws {
        guard let connection = db.sqliteConnection else {
            throw StoreError.database(path: storePath, message: "the store connection is closed")
        }
        self.connection = connection
        self.storePath = storePath
        var stmt: OpaquePointer? = nil
        // sqlite3_prepare_v2 returns SQLITE_OK and a statement to finalise, or an error code.
        guard sqlite3_prepare_v2(connection, sql, -1, &stmt, nil) == SQLITE_OK, let stmt else {
            throw StoreError.database(path: storePath, message: String(cString: sqlite3_errmsg(connection)))
        }
        statement = stmt
    }

    deinit { sqlite3_finalize(statement) }

    /// Inserts one row: `values` bound to parameters 1…n, `blob` (when given) to n+1; with a
    /// `leading` integer (a feature id), that goes to parameter 1 and the rest one further on
    /// (no per-row `[fid] + values` array). SQLite copies the blob.
    func insert(leading: Int64? = nil, _ values: [PropertyValue], blob: [UInt8]?) throws {
        let blobIndex = try bind(leading: leading, values)
        if let blob {
            let rc = blob.withUnsafeBytes { rg_bind_blob(statement, blobIndex, $0.baseAddress, Int32($0.count)) }
            guard rc == SQLITE_OK else { throw failure() }
        }
        try step()
    }

    /// As above, but the blob is bound without a copy: `blob` must stay valid until the parameter
    /// is bound again or `clearBindings()` is called (SQLite reads it only while stepping).
    func insert<Values: Collection<PropertyValue>>(leading: Int64, _ values: Values, borrowing blob: UnsafeRawBufferPointer) throws {
        let blobIndex = try bind(leading: leading, values)
        // A nil destructor is SQLITE_STATIC: SQLite keeps the pointer, not a copy.
        guard sqlite3_bind_blob(statement, blobIndex, blob.baseAddress, Int32(blob.count), nil) == SQLITE_OK else {
            throw failure()
        }
        try step()
    }

    /// Unbinds every parameter (after rows whose blobs were bound in place).
    func clearBindings() { sqlite3_clear_bindings(statement) }

    /// Binds `leading` and `values` from parameter 1 on; returns the next parameter's index.
    @discardableResult
    private func bind<Values: Collection<PropertyValue>>(leading: Int64?, _ values: Values) throws -> Int32 {
        var index: Int32 = 1
        if let leading {
            guard sqlite3_bind_int64(statement, 1, leading) == SQLITE_OK else { throw failure() }
            index = 2
        }
        for value in values {
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(statement, index)
            case .bool(let b): rc = sqlite3_bind_int64(statement, index, b ? 1 : 0)
            case .int(let i): rc = sqlite3_bind_int64(statement, index, i)
            case .double(let d): rc = d.isFinite ? sqlite3_bind_double(statement, index, d) : sqlite3_bind_null(statement, index)
            case .string(let s):
                var s = s
                rc = s.withUTF8 { rg_bind_text(statement, index, UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), Int32($0.count)) }
            }
            guard rc == SQLITE_OK else { throw failure() }
            index += 1
        }
        return index
    }

    private func step() throws {
        // sqlite3_step returns SQLITE_DONE for a finished INSERT.
        let rc = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard rc == SQLITE_DONE else { throw failure() }
    }

    /// Inserts a row of two integers (parameters 1 and 2), without a value array.
    func insert(_ first: Int64, _ second: Int64) throws {
        guard sqlite3_bind_int64(statement, 1, first) == SQLITE_OK, sqlite3_bind_int64(statement, 2, second) == SQLITE_OK else {
            throw failure()
        }
        try step()
    }

    private func failure() -> StoreError {
        .database(path: storePath, message: String(cString: sqlite3_errmsg(connection)))
    }
}
