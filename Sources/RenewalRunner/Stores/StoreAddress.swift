import Foundation
import GeoStore
import PostGISStore
import RenewalStore

/// Where a store is, as `--store` and a project's `store:` name it: a SpatiaLite file, or a PostGIS
/// database given as `postgresql://user[:password]@host[:port]/database[?schema=name]` (parts left out
/// come from PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE, as libpq takes them).
/// Both backends hold the same catalogue and give the same answers; the commands open either here.
public enum StoreAddress: Sendable, CustomStringConvertible {
    /// A SpatiaLite file.
    case spatiaLite(path: String)
    /// A PostGIS database (the text as given; it may hold a password, so it is never printed).
    case postGIS(url: String)

    /// A `postgresql://` or `postgres://` URL names a PostGIS store; anything else is a file path.
    public init(_ text: String) {
        self = Self.isDatabaseURL(text) ? .postGIS(url: text) : .spatiaLite(path: text)
    }

    /// True for the text of a PostgreSQL connection URL.
    public static func isDatabaseURL(_ text: String) -> Bool { PostGISAddress.looksLikeURL(text) }

    /// The store as messages show it: the file path, or the URL without its password.
    public var description: String {
        switch self {
        case .spatiaLite(let path): path
        case .postGIS(let url): PostGISAddress(url: url)?.description ?? "postgresql://…"
        }
    }

    /// A file store's path (nil for a database).
    public var filePath: String? {
        if case .spatiaLite(let path) = self { return path }
        return nil
    }

    /// The store for the jobs; a SpatiaLite file must exist (`StoreError.notAStore` when not).
    public func openExisting() throws -> any LayerImporting {
        switch self {
        case .spatiaLite(let path): try SpatialStore(openExisting: path)
        case .postGIS(let url): try Self.postGIS(url)
        }
    }

    /// The store for an import: a SpatiaLite file is created when missing; a PostGIS database
    /// gets the catalogue tables with its first import.
    public func openOrCreate() throws -> any LayerImporting {
        switch self {
        case .spatiaLite(let path): try SpatialStore(openOrCreate: path)
        case .postGIS(let url):
            try { let store = try PostGISStore(url: url); try store.createIfMissing(); return store }()
        }
    }

    /// The store for serving: snapshots for concurrent readers, each statement stopped after
    /// `queryTimeLimit` seconds.
    public func openReader(queryTimeLimit: Double) throws -> any FeatureReading {
        switch self {
        case .spatiaLite(let path): try StoreReader(path: path, queryTimeLimit: queryTimeLimit)
        case .postGIS(let url): try PostGISStore(url: url, queryTimeLimit: queryTimeLimit)
        }
    }

    private static func postGIS(_ url: String) throws -> any LayerImporting { try PostGISStore(url: url) }
}
