import CSpatiaLite
import CSystemZlib
import Foundation

/// Where pre-generated vector tiles go: an MBTiles 1.3 file (SQLite; `tiles` rows in the TMS row order,
/// tile data gzip-compressed, `metadata` with the layers as TileJSON-style `json`), or a directory of
/// `{z}/{x}/{y}.pbf` files (XYZ rows, uncompressed, for any static web server). Writes are in one
/// transaction for MBTiles (an interrupted run leaves no half-written file: it is written under a
/// temporary name and moved into place by `finish`).
public final class TileFileWriter {
    public enum Kind: Sendable { case mbtiles, directory }
    public let kind: Kind
    public let path: String
    private var db: OpaquePointer?
    private var insert: OpaquePointer?
    private let temporary: String

    /// `path` ending in `.mbtiles` makes an MBTiles file, anything else a directory; an existing
    /// output is refused unless `replace`.
    public init(path: String, replace: Bool) throws {
        self.path = path
        kind = path.lowercased().hasSuffix(".mbtiles") ? .mbtiles : .directory
        temporary = path + ".partial-\(getpid())"
        let exists = FileManager.default.fileExists(atPath: path)
        if exists && !replace { throw TileFileError("\(path) exists; pass --replace to overwrite it") }
        switch kind {
        case .directory:
            if exists { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        case .mbtiles:
            try? FileManager.default.removeItem(atPath: temporary)
            guard sqlite3_open_v2(temporary, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK else {
                throw TileFileError("\(path): cannot create the MBTiles file (\(String(cString: sqlite3_errmsg(db))))")
            }
            try exec("""
                PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; BEGIN;
                CREATE TABLE metadata (name TEXT, value TEXT);
                CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
                """)
            guard sqlite3_prepare_v2(db, "INSERT INTO tiles VALUES (?, ?, ?, ?)", -1, &insert, nil) == SQLITE_OK else {
                throw TileFileError("\(path): \(String(cString: sqlite3_errmsg(db)))")
            }
        }
    }

    deinit {
        sqlite3_finalize(insert)
        sqlite3_close_v2(db)
        if FileManager.default.fileExists(atPath: temporary) { try? FileManager.default.removeItem(atPath: temporary) }
    }

    private func exec(_ sql: String) throws {
        guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else { throw TileFileError("\(path): \(String(cString: sqlite3_errmsg(db)))") }
    }

    /// Writes one tile (`row` counted from the north, as in OGC API – Tiles and XYZ).
    public func write(zoom: Int, row: Int, column: Int, data: [UInt8]) throws {
        switch kind {
        case .directory:
            let folder = "\(temporary)/\(zoom)/\(column)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data(data).write(to: URL(fileURLWithPath: "\(folder)/\(row).pbf"))
        case .mbtiles:
            let packed = try Self.gzip(data)
            sqlite3_bind_int(insert, 1, Int32(zoom))
            sqlite3_bind_int(insert, 2, Int32(column))
            sqlite3_bind_int(insert, 3, Int32((1 << zoom) - 1 - row))   // MBTiles rows count from the south (TMS)
            _ = packed.withUnsafeBytes { sqlite3_bind_blob(insert, 4, $0.baseAddress, Int32($0.count), unsafeBitCast(-1, to: sqlite3_destructor_type.self)) }
            defer { sqlite3_reset(insert) }
            guard sqlite3_step(insert) == SQLITE_DONE else { throw TileFileError("\(path): \(String(cString: sqlite3_errmsg(db)))") }
        }
    }

    /// Ends the output: MBTiles gets its metadata (name → value) and index, and is committed; either
    /// kind is moved to `path`.
    public func finish(metadata: [(String, String)]) throws {
        switch kind {
        case .directory:
            let json = try JSONSerialization.data(withJSONObject: Dictionary(metadata, uniquingKeysWith: { a, _ in a }), options: [.sortedKeys])
            try json.write(to: URL(fileURLWithPath: "\(temporary)/metadata.json"))
        case .mbtiles:
            for (name, value) in metadata {
                var statement: OpaquePointer?
                sqlite3_prepare_v2(db, "INSERT INTO metadata VALUES (?, ?)", -1, &statement, nil)
                sqlite3_bind_text(statement, 1, name, -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
                sqlite3_bind_text(statement, 2, value, -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
                let done = sqlite3_step(statement)
                sqlite3_finalize(statement)
                guard done == SQLITE_DONE else { throw TileFileError("\(path): \(String(cString: sqlite3_errmsg(db)))") }
            }
            try exec("CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row); CREATE UNIQUE INDEX name ON metadata (name); COMMIT;")
            sqlite3_finalize(insert); insert = nil
            sqlite3_close_v2(db); db = nil
        }
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
    }

    /// `data` as one gzip stream (zlib's deflate with a gzip header).
    public static func gzip(_ data: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
        guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw TileFileError("zlib: cannot start a gzip stream")
        }
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(data.count))) + 32)
        var input = data
        let status = input.withUnsafeMutableBufferPointer { inBuffer in
            out.withUnsafeMutableBufferPointer { outBuffer -> Int32 in
                stream.next_in = inBuffer.baseAddress; stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.baseAddress; stream.avail_out = uInt(outBuffer.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw TileFileError("zlib: deflate failed (\(status))") }
        return Array(out[0..<Int(stream.total_out)])
    }
}

public struct TileFileError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
